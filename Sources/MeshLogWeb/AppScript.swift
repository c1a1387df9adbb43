/// The script every page loads: choosing a window by dragging across a timeline strip.
enum AppScript {
    static let source = """
        "use strict";
        // A timeline strip (svg.brush) carries its window in data-start/data-end (µs), its plot area in
        // data-left/data-right (viewBox units) and the page to open in data-href; dragging opens that page
        // with since/until set to the chosen span (whole seconds, RFC 3339).
        (function () {
          function iso(us) { return new Date(Math.floor(us / 1e6) * 1000).toISOString().replace(".000Z", "Z"); }
          function isoUp(us) { return new Date(Math.ceil(us / 1e6) * 1000).toISOString().replace(".000Z", "Z"); }
          document.querySelectorAll("svg.brush").forEach(function (svg) {
            var start = Number(svg.dataset.start), end = Number(svg.dataset.end);
            var left = Number(svg.dataset.left), right = Number(svg.dataset.right), base = svg.dataset.href;
            var sel = svg.querySelector(".selection"), x0 = null;
            function x(ev) { var r = svg.getBoundingClientRect(); return (ev.clientX - r.left) * svg.viewBox.baseVal.width / r.width; }
            function time(px) { var f = Math.max(0, Math.min(1, (px - left) / (right - left))); return start + f * (end - start); }
            svg.addEventListener("mousedown", function (ev) {
              x0 = x(ev); sel.setAttribute("x", x0); sel.setAttribute("width", 0); sel.style.display = "inline"; ev.preventDefault();
            });
            svg.addEventListener("mousemove", function (ev) {
              if (x0 === null) return;
              var x1 = x(ev); sel.setAttribute("x", Math.min(x0, x1)); sel.setAttribute("width", Math.abs(x1 - x0));
            });
            window.addEventListener("mouseup", function (ev) {
              if (x0 === null) return;
              var x1 = x(ev), a = Math.min(x0, x1), b = Math.max(x0, x1);
              x0 = null;
              if (b - a < 4) { sel.style.display = "none"; return; }
              location.href = base + (base.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(iso(time(a)))
                + "&until=" + encodeURIComponent(isoUp(time(b)));
            });
          });
        })();
        """
}
