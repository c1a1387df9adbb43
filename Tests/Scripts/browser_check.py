"""Clicks through `meshlog serve` in headless Chromium and checks what it shows against the CLI's --json.

Usage: python3 browser_check.py CONFIG.json
  CONFIG.json: {"url": "http://127.0.0.1:PORT", "db": STORE, "cli": MESHLOG, "shots": FOLDER,
                "publish": FOLDER or null (the graph, waterfall and diff screenshots for the README),
                "hostile_log": an access log with markup in its values, "hostile": [strings that must show as text],
                "hostile_ids": [request ids holding them],
                "wide_trace": ID of the very large trace}
Prints one JSON object: {"failures": [...], "checks": n, "figures": {...}, "pages": [...]}; exits 0 when it
ran (the caller judges the failures), 2 when selenium, chromedriver or Chromium is missing (with the reason).
"""
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
import urllib.parse

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("selenium is not installed (pip install selenium)")
    sys.exit(2)

config = json.load(open(sys.argv[1]))
BASE = config["url"].rstrip("/")
browser = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome") if os.access(p, os.X_OK)), None)
driver_path = shutil.which("chromedriver") or next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.access(p, os.X_OK)), None)
if browser is None or driver_path is None:
    print("no Chromium or no chromedriver (apt-get install chromium chromium-driver)")
    sys.exit(2)

failures = []
checks = 0
figures = {}
pages = []

# Runs before any page script (DevTools injects it; the page's CSP does not apply): records CSP violations and
# any alert, confirm or prompt a hostile value might open.
PROBE = """
window.__csp = []; window.__alerts = [];
document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
['alert', 'confirm', 'prompt'].forEach(function (name) { window[name] = function (m) { window.__alerts.push(name + ':' + m); }; });
"""


def check(ok, message):
    """Counts a check and records its message when it fails."""
    global checks
    checks += 1
    if not ok:
        failures.append(message)
    return ok


def cli(*arguments):
    """`meshlog ARGUMENTS --db STORE --json`, parsed."""
    out = subprocess.run([config["cli"], *arguments, "--db", config["db"], "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        failures.append("meshlog %s failed: %s" % (" ".join(arguments), out.stderr[:300]))
        return None
    return json.loads(out.stdout)


options = webdriver.ChromeOptions()
options.binary_location = browser
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000", "--hide-scrollbars"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
try:
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
except Exception as error:  # chromedriver and Chromium of different versions, or no display libraries
    print("chromedriver did not start Chromium: %s" % str(error).splitlines()[0])
    sys.exit(2)
driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
driver.set_page_load_timeout(60)


def shot(name, publish=False):
    """Saves the page as SHOTS/NAME.png, and into the README's folder when asked."""
    path = os.path.join(config["shots"], name + ".png")
    driver.save_screenshot(path)
    if publish and config.get("publish"):
        os.makedirs(config["publish"], exist_ok=True)
        shutil.copyfile(path, os.path.join(config["publish"], name + ".png"))


def inspect(name):
    """The checks every page gets: no console error, no CSP violation, no alert, no injected image."""
    pages.append(name)
    for entry in driver.get_log("browser"):
        check(entry["level"] not in ("SEVERE", "ERROR"), "%s: console %s: %s" % (name, entry["level"], entry["message"][:300]))
    check(driver.execute_script("return window.__csp") == [], "%s: CSP violations %s" % (name, driver.execute_script("return window.__csp")))
    check(driver.execute_script("return window.__alerts") == [], "%s: alerts %s" % (name, driver.execute_script("return window.__alerts")))
    check(not driver.find_elements(By.CSS_SELECTOR, "img[src='x'], script:not([src]):not([type='application/json'])"),
          "%s: an injected element is in the document" % name)


def visit(path, name, publish=False):
    """Opens BASE + path, runs the common checks and saves a screenshot."""
    driver.get(BASE + path)
    inspect(name)
    shot(name, publish)


def cells(table_id):
    """Each row of table#id as {column: value parsed from data-v}."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr')).map(function (tr) {
          var o = {};
          tr.querySelectorAll('td[data-c]').forEach(function (td) { o[td.dataset.c] = JSON.parse(td.dataset.v); });
          return o;
        });""", table_id)


def flatten(roots, key="children"):
    """A nested --json tree in pre-order."""
    out, stack = [], list(reversed(roots))
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.get(key, [])))
    return out


def wait_waterfall(timeout=60):
    """Waits until the waterfall script has drawn; returns the host's dataset."""
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.getElementById('waterfall').dataset.drawnMs"))
    return driver.execute_script("return Object.assign({}, document.getElementById('waterfall').dataset)")


def check_waterfall(trace_id, name):
    """The drawn rows against `meshlog trace ID --json`: count, and each row's service and duration."""
    data = wait_waterfall()
    tree = cli("trace", trace_id)
    if tree is None:
        return
    nodes = flatten(tree["roots"])
    check(int(data["nodes"]) == len(nodes), "%s: waterfall has %s nodes, trace --json %d" % (name, data["nodes"], len(nodes)))
    rows = driver.execute_script("""
        return Array.from(document.querySelectorAll('#waterfall .wf-body .row[data-i]')).map(function (r) {
          return [Number(r.dataset.i), r.dataset.service, Number(r.dataset.durationUs), r.querySelector('.op').textContent];
        });""")
    check(len(rows) > 0, "%s: no waterfall rows drawn" % name)
    for i, service, duration, operation in rows:
        node = nodes[i]
        check(service == node["service"] and duration == node["duration_us"] and node["operation"] in operation,
              "%s: row %d shows %s %s %dus, trace --json %s %s %dus" % (name, i, service, operation, duration,
                                                                        node["service"], node["operation"], node["duration_us"]))
    return nodes, rows


try:
    # The graph, then the failing edge with the highest error rate.
    visit("/graph", "graph", publish=True)
    edges = driver.find_elements(By.CSS_SELECTOR, "a.edge")
    check(len(edges) >= 5, "graph: %d edges" % len(edges))
    busy = [e for e in edges if int(e.get_attribute("data-requests") or 0) >= 100]
    worst = max(busy or edges, key=lambda e: float(e.get_attribute("data-error-pct") or 0))
    source, service, subset = (worst.get_attribute("data-" + k) for k in ("source", "service", "subset"))
    figures["failing_edge"] = "%s -> %s %s (%s%% errors)" % (source, service, subset, worst.get_attribute("data-error-pct"))
    worst.click()
    WebDriverWait(driver, 30).until(lambda d: "/edge" in d.current_url)
    inspect("edge")
    shot("edge")
    hops = [r for r in (cli("hops", "--service", service) or [])
            if r["source"] == source and r["service"] == service and (r["subset"] or "") == subset]
    shown = cells("hops")
    check(len(shown) == 1 and len(hops) == 1, "edge: %d hop rows shown, %d from hops --json" % (len(shown), len(hops)))
    if shown and hops:
        check(shown[0] == hops[0], "edge: #hops row %s differs from hops --json %s" % (shown[0], hops[0]))

    # A failing request through that edge, and its waterfall.
    failing = driver.find_elements(By.CSS_SELECTOR, "#requests tbody tr.bad td[data-c='id'] a")
    check(len(failing) > 0, "edge: no failing request listed")
    request_a = failing[0].text
    failing[0].click()
    WebDriverWait(driver, 30).until(lambda d: "/trace/" in d.current_url)
    inspect("trace")
    check_waterfall(request_a, "trace")
    first = driver.find_element(By.CSS_SELECTOR, "#waterfall .wf-body .row[data-i='0']")
    first.click()
    attributes = driver.find_element(By.ID, "attrs").text
    check("duration_us" in attributes and "critical" in attributes, "trace: clicking a row shows no attributes: %r" % attributes[:200])
    shot("waterfall", publish=True)

    # Two requests ticked on the search page, then their diff.
    visit("/traces?service=%s&limit=20" % urllib.parse.quote(service), "traces")
    boxes = driver.find_elements(By.CSS_SELECTOR, "#requests input[name='id']")
    check(len(boxes) >= 2, "traces: %d rows to tick" % len(boxes))
    # Of the first rows, the pair whose diff has the most to show: rows on both sides, one-sided rows, a status change.
    values = [b.get_attribute("value") for b in boxes[:8]]
    best, pick = -1, (0, 1)
    for x in range(len(values)):
        for y in range(x + 1, len(values)):
            rows = flatten((cli("diff", values[x], values[y]) or {}).get("rows", []))
            score = (4 if any(r["presence"] == "both" for r in rows) else 0) + (2 if any(r["status_changed"] for r in rows) else 0) \
                + (1 if any(r["presence"] != "both" for r in rows) else 0)
            if score > best:
                best, pick = score, (x, y)
    ids = [values[pick[0]], values[pick[1]]]
    boxes[pick[0]].click()
    boxes[pick[1]].click()
    driver.find_element(By.CSS_SELECTOR, "form.pick button").click()
    WebDriverWait(driver, 30).until(lambda d: "/diff" in d.current_url)
    inspect("diff")
    shot("diff", publish=True)
    diff = cli("diff", ids[0], ids[1])
    if diff is not None:
        expected = flatten(diff["rows"])
        shown = driver.execute_script("""
            return Array.from(document.querySelectorAll('#diff tbody tr')).map(function (tr) {
              return [tr.dataset.presence, tr.dataset.changed === 'true', tr.className, tr.querySelectorAll('svg.dbar rect').length];
            });""")
        check(len(shown) == len(expected), "diff: %d rows shown, diff --json %d" % (len(shown), len(expected)))
        for k, (row, want) in enumerate(zip(shown, expected)):
            check(row[0] == want["presence"] and row[1] == want["status_changed"],
                  "diff: row %d shows %s, diff --json %s" % (k, row[:2], (want["presence"], want["status_changed"])))
            check(row[3] == (2 if want["presence"] == "both" else 1), "diff: row %d has %d bars" % (k, row[3]))
            if want["presence"] != "both":
                check(row[2] == ("only-a" if want["presence"] == "a" else "only-b"), "diff: row %d class %r" % (k, row[2]))

    # The status page against the CLI.
    visit("/status?by=code", "status-by-code")
    check(cells("status") == cli("status", "--by", "code"), "status: /status?by=code differs from status --by code --json")

    # Hostile values show as text, run nothing and inject nothing: their lines are ingested now, while the server
    # runs (it opens the store per request), so the README's screenshots above show the generated traffic only.
    ingest = subprocess.run([config["cli"], "ingest", config["hostile_log"], "--db", config["db"], "-q"], capture_output=True, text=True)
    check(ingest.returncode == 0, "ingest of the hostile lines failed: %s" % ingest.stderr[:300])
    for rid in config["hostile_ids"]:
        visit("/trace/" + urllib.parse.quote(rid, safe=""), "hostile-trace-" + str(config["hostile_ids"].index(rid)))
        wait_waterfall()
        driver.find_element(By.CSS_SELECTOR, "#waterfall .wf-body .row[data-i='0']").click()
        text = driver.execute_script("return document.body.textContent")
        check(rid in text, "hostile trace: request id %r not shown as text" % rid)
    visit("/traces?service=course&since=2026-11-25T00:30:00Z&until=2026-11-25T00:30:01Z", "hostile-search")
    text = driver.execute_script("return document.body.textContent")
    check(config["hostile_ids"][0] in text, "search: the hostile request id is not shown as text")
    sql = "SELECT request_id, path, user_agent FROM access_log WHERE request_id LIKE 'hostile%'"
    visit("/sql?q=" + urllib.parse.quote(sql), "hostile-sql")
    text = driver.execute_script("return document.body.textContent")
    for s in config["hostile"]:
        check(s in text, "sql: %r not shown as text" % s)

    # The other pages load cleanly.
    for path, name in (("/status?by=edge,code", "status-by-edge"), ("/hops", "hops"), ("/timeline?bucket=5m", "timeline"),
                       ("/compare?baseline_subset=v1&candidate_subset=v2", "compare"), ("/report", "report"),
                       ("/sql?query=error_edges", "sql-named")):
        visit(path, name)

    # The very large trace: from navigation to rows drawn.
    started = time.time()
    driver.get(BASE + "/trace/" + config["wide_trace"])
    data = wait_waterfall(120)
    figures["wide_wall_s"] = round(time.time() - started, 3)
    timing = driver.execute_script("var t = performance.getEntriesByType('navigation')[0]; return [t.responseStart, t.responseEnd, t.domInteractive];")
    figures["wide_drawn_ms"] = int(data["drawnMs"])
    figures["wide_response_start_ms"], figures["wide_response_end_ms"], figures["wide_dom_interactive_ms"] = (round(v) for v in timing)
    figures["wide_script_ms"] = int(data["drawnMs"]) - round(timing[2])
    figures["wide_nodes"] = int(data["nodes"])
    figures["wide_rows"] = int(data["rows"])
    inspect("wide-trace")
    shot("wide-trace")
    started = time.time()
    driver.find_element(By.XPATH, "//div[@class='wf-tools']/button[1]").click()
    figures["wide_expanded_rows"] = int(driver.execute_script("return document.getElementById('waterfall').dataset.rows"))
    figures["wide_expand_s"] = round(time.time() - started, 3)
    started = time.time()
    driver.execute_script("var s = document.querySelector('#waterfall .wf-scroll'); s.scrollTop = s.scrollHeight;")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#waterfall .wf-body .row[data-r='%d']" % (figures["wide_expanded_rows"] - 1)))
    figures["wide_scroll_end_s"] = round(time.time() - started, 3)
    figures["wide_rows_in_document"] = len(driver.find_elements(By.CSS_SELECTOR, "#waterfall .wf-body .row"))
    # Keyboard: Home selects the first row, ArrowDown the next, and the attributes follow.
    scroller = driver.find_element(By.CSS_SELECTOR, "#waterfall .wf-scroll")
    scroller.send_keys("\ue011")  # Home
    scroller.send_keys("\ue015")  # ArrowDown
    check("Row 2:" in driver.find_element(By.ID, "attrs").text, "keyboard: ArrowDown did not select row 2")
    inspect("wide-trace-expanded")
except Exception:  # a missing element or a timeout: reported with the other failures, where the test prints them
    failures.append("stopped at %s: %s" % (driver.current_url, traceback.format_exc(limit=3)))
finally:
    driver.quit()

print(json.dumps({"failures": failures, "checks": checks, "figures": figures, "pages": pages}))
