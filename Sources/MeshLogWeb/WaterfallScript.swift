/// The trace waterfall's script (`/static/waterfall.js`): draws `#waterfall` from the tree's JSON block.
///
/// The tree is flattened once; only the rows in view are in the document (a fixed row height in a scroll
/// container), so a trace of 80,000 spans draws as fast as one of 20. Runs of more than 8 siblings with the
/// same service, operation and kind start as one group row. Every value reaches the page through
/// `textContent`, `dataset` or `style`, never as markup.
enum WaterfallScript {
    static let source = """
        "use strict";
        (function () {
          var host = document.getElementById("waterfall");
          if (!host) return;
          var ROW = 22, OVERSCAN = 12, RUN = 8;
          var data = JSON.parse(document.getElementById(host.dataset.source).textContent);
          var t0 = data.start_us, total = Math.max(1, data.duration_us);

          // The rows come flat in pre-order (WaterfallData): each expands back into the object `meshlog trace --json`
          // prints for it, by the same names; kids[i] are its children's indexes.
          var nodes = [], depthOf = [], parentOf = [], kids = [], rootKids = [];
          (function () {
            var S = data.strings, rows = data.nodes;
            for (var i = 0; i < rows.length; i++) {
              var r = rows[i], p = r[0], x = r[11], n = {kind: S[r[1]], service: S[r[2]]};
              if (r[3] >= 0) n.caller = S[r[3]];
              n.operation = S[r[4]]; n.start_us = t0 + r[5]; n.offset_us = r[5]; n.duration_us = r[6];
              n.status = S[r[7]]; n.error = r[8] === 1; n.flags = S[r[9]];
              if (x) {
                for (var k in x) {
                  if (k === "notes") continue;
                  if (k === "pp") { n.parent_id = nodes[p].span_id; continue; }
                  n[k] = x[k];
                }
              }
              n.critical = r[10] === 1;
              if (x && x.notes) n.notes = x.notes;
              nodes.push(n); parentOf.push(p); kids.push([]);
              depthOf.push(p < 0 ? 0 : depthOf[p] + 1);
              (p < 0 ? rootKids : kids[p]).push(i);
            }
          })();
          var closed = new Uint8Array(nodes.length);

          // Group rows: runs of more than RUN siblings alike (service, operation, kind) become one row. An item is a
          // node index (>= 0) or ~group.
          var groups = [], itemsCache = new Map(), openGroups = false;
          function key(n) { return n.kind + "\\u0000" + n.service + "\\u0000" + n.operation + "\\u0000" + (n.span_kind || ""); }
          function items(p) {
            var cached = itemsCache.get(p);
            if (cached) return cached;
            var list = p < 0 ? rootKids : kids[p], out = list;
            if (list.length > RUN) {
              var byKey = new Map();
              list.forEach(function (i) { var k = key(nodes[i]); var m = byKey.get(k); if (m) m.push(i); else byKey.set(k, [i]); });
              out = [];
              var seen = new Set();
              list.forEach(function (i) {
                var k = key(nodes[i]), members = byKey.get(k);
                if (members.length <= RUN) { out.push(i); return; }
                if (seen.has(k)) return;
                seen.add(k);
                groups.push(summary(members));
                out.push(~(groups.length - 1));
              });
            }
            itemsCache.set(p, out);
            return out;
          }
          function summary(members) {
            var d = members.map(function (i) { return nodes[i].duration_us; }).sort(function (a, b) { return a - b; });
            var g = { members: members, open: openGroups, errors: 0, critical: false, start: Infinity, end: -Infinity,
                      p50: d[Math.floor(d.length / 2)], max: d[d.length - 1], statuses: new Set() };
            members.forEach(function (i) {
              var n = nodes[i];
              if (n.error) g.errors++;
              if (n.critical) g.critical = true;
              g.start = Math.min(g.start, n.offset_us); g.end = Math.max(g.end, n.offset_us + n.duration_us);
              g.statuses.add(n.status);
            });
            var first = nodes[members[0]];
            g.label = "\\u00d7 " + members.length + " calls to " + first.service + " " + first.operation + ", p50 " + dur(g.p50)
              + ", max " + dur(g.max) + (g.errors ? ", " + g.errors + " errors" : "");
            return g;
          }

          // The rows shown: items in pre-order, skipping closed subtrees and closed groups.
          var rowItem = [], rowDepth = [];
          function rebuild() {
            rowItem = []; rowDepth = [];
            var stack = [[items(-1), 0, 0]];
            while (stack.length) {
              var top = stack[stack.length - 1];
              if (top[1] >= top[0].length) { stack.pop(); continue; }
              var it = top[0][top[1]++];
              rowItem.push(it); rowDepth.push(top[2]);
              if (it >= 0 && !closed[it] && kids[it].length) stack.push([items(it), 0, top[2] + 1]);
              else if (it < 0 && groups[~it].open) stack.push([groups[~it].members, 0, top[2] + 1]);
            }
            body.style.height = (rowItem.length * ROW) + "px";
            scroller.style.height = Math.min(rowItem.length + 1, Math.max(10, Math.floor(window.innerHeight * 0.7 / ROW))) * ROW + 2 + "px";
            host.dataset.rows = rowItem.length;
            count.textContent = nodes.length.toLocaleString("en-US") + " spans and lines, " + rowItem.length.toLocaleString("en-US") + " rows shown";
          }

          function dur(us) {
            var a = Math.abs(us);
            if (a < 1000) return us + "\\u00b5s";
            if (a < 10000) return (us / 1000).toFixed(2) + "ms";
            if (a < 1e6) return (us / 1000).toFixed(1) + "ms";
            return (us / 1e6).toFixed(2) + "s";
          }
          function el(tag, cls, text) {
            var e = document.createElement(tag);
            if (cls) e.className = cls;
            if (text !== undefined) e.textContent = text;
            return e;
          }
          function pct(us) { return Math.max(0, Math.min(100, us / total * 100)) + "%"; }

          // The frame: tools, a scroll container holding the ruler and the rows, the attributes panel.
          var tools = el("div", "wf-tools"), count = el("span", "dim");
          var expand = el("button", null, "Expand all"), collapse = el("button", null, "Collapse all");
          expand.type = collapse.type = "button";
          tools.append(expand, collapse, count, el("span", "legend-crit", "critical path"), el("span", "legend-err", "error"));
          var scroller = el("div", "wf-scroll"), ruler = el("div", "row ruler"), body = el("div", "wf-body");
          scroller.tabIndex = 0;
          scroller.setAttribute("role", "tree");
          scroller.setAttribute("aria-label", "trace waterfall: arrow keys move, right and left expand and collapse, Enter shows attributes");
          var attrs = el("div", "attrs");
          attrs.id = "attrs";
          var scale = el("div", "lane");
          ruler.append(el("div", "name", "call"), scale, el("div", "dur", "duration"));
          var step = Math.max(1, Math.pow(10, Math.floor(Math.log10(total / 4))));
          if (total / step > 10) step *= total / step > 20 ? 5 : 2;
          for (var t = 0; t < total * 0.93; t += step) {
            var tick = el("span", "tick", t ? dur(t) : "0");
            tick.style.left = pct(t);
            scale.append(tick);
          }
          scroller.append(ruler, body);
          host.append(tools, scroller, attrs);

          var selected = -1, drawn = -1, pending = false;
          // What a row says after its service, as `meshlog trace` words it; hops name their caller before it.
          function label(n) {
            switch (n.kind) {
              case "hop": return n.operation;
              case "attempt": return n.operation + " at " + (n.caller || n.service);
              case "inbound": return n.operation + " (inbound)";
              default: return (n.span_kind && n.span_kind !== "unspecified" ? "[" + n.span_kind + (n.shared ? ",shared" : "") + "] " : "")
                + (n.caller ? n.caller + " " : "") + n.operation;
            }
          }
          function rowElement(r) {
            var it = rowItem[r], row = el("div", "row"), name = el("div", "name"), bar = el("div", "bar");
            var lane = el("div", "lane"), open, leaf, start, length, text;
            row.style.top = (r * ROW) + "px";
            row.dataset.r = r;
            row.setAttribute("role", "treeitem");
            name.style.paddingLeft = (4 + rowDepth[r] * 14) + "px";
            if (it >= 0) {
              var n = nodes[it];
              leaf = kids[it].length === 0; open = !closed[it];
              start = n.offset_us; length = n.duration_us;
              row.dataset.i = it; row.dataset.service = n.service; row.dataset.durationUs = n.duration_us;
              name.append(el("span", "tog", leaf ? "" : open ? "\\u25be" : "\\u25b8"));
              if (n.kind === "hop") name.append(el("span", "caller", (n.caller || "?") + " \\u2192 "));
              name.append(el("span", "svc", n.service), el("span", "op", label(n)));
              if (n.status) name.append(el("span", n.error ? "badge err" : "badge", n.status));
              if (n.flags) name.append(el("span", "badge flag", n.flags));
              if (n.error) { row.classList.add("err"); bar.classList.add("err"); }
              if (n.critical) { row.classList.add("crit"); bar.classList.add("crit"); }
              text = dur(n.duration_us);
            } else {
              var g = groups[~it];
              leaf = false; open = g.open;
              start = g.start; length = g.end - g.start;
              row.classList.add("group");
              row.dataset.group = g.members.length;
              name.append(el("span", "tog", open ? "\\u25be" : "\\u25b8"), el("span", "op", g.label));
              if (g.errors) bar.classList.add("err");
              if (g.critical) { row.classList.add("crit"); bar.classList.add("crit"); }
              text = dur(length);
            }
            if (!leaf) row.setAttribute("aria-expanded", open);
            if (r === selected) { row.classList.add("sel"); row.setAttribute("aria-selected", "true"); }
            bar.style.left = pct(start);
            bar.style.width = pct(length);
            lane.append(bar);
            row.append(name, lane, el("div", "dur", text));
            return row;
          }
          function draw(force) {
            pending = false;
            var first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - 1 - OVERSCAN);
            if (first === drawn && !force) return;
            drawn = first;
            var last = Math.min(rowItem.length, first + Math.ceil(scroller.clientHeight / ROW) + 2 * OVERSCAN);
            var fragment = document.createDocumentFragment();
            for (var r = first; r < last; r++) fragment.append(rowElement(r));
            body.replaceChildren(fragment);
          }
          function redraw() { rebuild(); draw(true); }

          // Attributes: every field of the selected node, as text.
          function show(r) {
            selected = r;
            attrs.replaceChildren();
            if (r < 0 || r >= rowItem.length) return;
            var it = rowItem[r], table = el("table"), fields = [];
            if (it >= 0) {
              var n = nodes[it];
              Object.keys(n).forEach(function (k) { if (k !== "children") fields.push([k, n[k]]); });
              fields.push(["children", kids[it].length]);
            } else {
              var g = groups[~it], first = nodes[g.members[0]];
              fields = [["group", g.label], ["calls", g.members.length], ["service", first.service], ["operation", first.operation],
                        ["kind", first.kind], ["p50_us", g.p50], ["max_us", g.max], ["errors", g.errors],
                        ["statuses", Array.from(g.statuses).sort().join(",")], ["offset_us", g.start], ["span_us", g.end - g.start]];
            }
            fields.forEach(function (f) {
              var tr = el("tr"), v = f[1], cell = el("td");
              if (f[0] === "request_id" && typeof v === "string") {
                var a = el("a", null, v);
                a.href = "/trace/" + encodeURIComponent(v);
                cell.append(a);
              } else {
                cell.textContent = typeof v === "string" ? v : JSON.stringify(v);
              }
              tr.append(el("th", null, f[0]), cell);
              table.append(tr);
            });
            attrs.append(el("h2", null, "Row " + (r + 1) + ": " + (it >= 0 ? nodes[it].service + " " + label(nodes[it]) : groups[~it].label)), table);
          }
          function toggle(r, open) {
            var it = rowItem[r];
            if (it >= 0) { if (!kids[it].length) return; closed[it] = open === undefined ? !closed[it] : !open; }
            else groups[~it].open = open === undefined ? !groups[~it].open : open;
            redraw();
          }
          function select(r) {
            r = Math.max(0, Math.min(rowItem.length - 1, r));
            show(r);
            var top = ROW + r * ROW;  // below the sticky ruler
            if (top < scroller.scrollTop + ROW) scroller.scrollTop = top - ROW;
            else if (top + ROW > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW - scroller.clientHeight;
            draw(true);
          }

          scroller.addEventListener("scroll", function () { if (!pending) { pending = true; requestAnimationFrame(function () { draw(false); }); } });
          body.addEventListener("click", function (ev) {
            var row = ev.target.closest(".row");
            if (!row) return;
            var r = Number(row.dataset.r);
            if (ev.target.classList.contains("tog")) { show(r); toggle(r); } else select(r);
          });
          scroller.addEventListener("keydown", function (ev) {
            var r = selected < 0 ? 0 : selected, page = Math.max(1, Math.floor(scroller.clientHeight / ROW) - 2), it = rowItem[r];
            switch (ev.key) {
              case "ArrowDown": case "j": select(selected < 0 ? 0 : r + 1); break;
              case "ArrowUp": case "k": select(r - 1); break;
              case "PageDown": select(r + page); break;
              case "PageUp": select(r - page); break;
              case "Home": select(0); break;
              case "End": select(rowItem.length - 1); break;
              case "ArrowRight":
                if (it >= 0 ? closed[it] : !groups[~it].open) toggle(r, true); else select(r + 1);
                break;
              case "ArrowLeft":
                if (it >= 0 ? kids[it].length && !closed[it] : groups[~it].open) { toggle(r, false); break; }
                for (var p = r - 1; p >= 0; p--) if (rowDepth[p] < rowDepth[r]) { select(p); break; }
                break;
              case "Enter": case " ": toggle(r); select(r); break;
              default: return;
            }
            ev.preventDefault();
          });
          expand.addEventListener("click", function () {
            openGroups = true;
            closed.fill(0);
            groups.forEach(function (g) { g.open = true; });
            redraw();
          });
          collapse.addEventListener("click", function () {
            openGroups = false;
            for (var i = 0; i < nodes.length; i++) closed[i] = kids[i].length ? 1 : 0;
            groups.forEach(function (g) { g.open = false; });
            redraw(); show(-1);
          });

          redraw();
          host.dataset.nodes = nodes.length;
          host.dataset.drawnMs = Math.round(performance.now());
        })();
        """
}
