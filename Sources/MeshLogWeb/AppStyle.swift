/// The style sheet every page uses.
enum AppStyle {
    static let css = """
        :root{--ink:#1d2330;--dim:#5b6577;--line:#dde2ea;--soft:#f5f7fa;--bad:#c0392b;--warn:#b7791f;--ok:#2e7d32;--blue:#2c5d8f}
        *{box-sizing:border-box}
        body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);margin:0;max-width:none;padding:0}
        header{display:flex;align-items:center;gap:18px;padding:8px 18px;border-bottom:1px solid var(--line);background:var(--soft)}
        header .brand{font-weight:700;color:var(--ink);text-decoration:none}
        nav a{margin-right:12px;color:var(--blue);text-decoration:none}nav a.current{color:var(--ink);font-weight:600;border-bottom:2px solid var(--blue)}
        main{padding:12px 18px 40px;max-width:1280px}
        h1{font-size:20px;margin:6px 0 10px}h2{font-size:15px;margin:22px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
        a{color:var(--blue)}.dim,.note,.sub{color:var(--dim)}.error{color:var(--bad);font-weight:600;white-space:pre-wrap}
        form{margin:6px 0 12px}form label{margin-right:10px;color:var(--dim)}input,select,textarea{font:inherit;padding:2px 4px}
        textarea{width:100%;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
        table.data{border-collapse:collapse;width:100%;font-size:12.5px;margin:4px 0 10px}
        table.data th,table.data td{border-bottom:1px solid #eef1f5;padding:3px 6px;text-align:left;vertical-align:top}
        table.data th{background:var(--soft);position:sticky;top:0}.n{text-align:right;font-variant-numeric:tabular-nums}
        tr.bad td{color:var(--bad)}tr.injected td{color:var(--warn)}.empty{color:var(--dim)}
        code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
        pre{background:var(--soft);padding:8px;overflow:auto;white-space:pre-wrap}
        .report{max-width:900px}
        svg.graph{width:100%;height:auto;display:block;margin:6px 0}
        svg.graph .node rect{fill:var(--soft);stroke:var(--dim)}svg.graph .node text{font-size:12px;fill:var(--ink)}
        svg.graph .edge path{fill:none;stroke:#7f8a9c;stroke-width:1.4}svg.graph .edge text{font-size:10.5px;fill:var(--dim);paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
        svg.graph .edge.warn path{stroke:var(--warn);stroke-width:1.8}svg.graph .edge.warn text{fill:var(--warn)}
        svg.graph .edge.bad path{stroke:var(--bad);stroke-width:2.2;stroke-dasharray:6 3}svg.graph .edge.bad text{fill:var(--bad);font-weight:600}
        svg.graph a:hover path{stroke-width:3.2}svg.graph a:hover text{text-decoration:underline}
        svg.brush{width:100%;height:auto;display:block;margin:4px 0 8px;cursor:crosshair;user-select:none}
        svg.brush .bar{fill:#9fb6d0}svg.brush .bar.err{fill:var(--bad)}svg.brush .in .bar{fill:var(--blue)}svg.brush .in .bar.err{fill:var(--bad)}
        svg.brush .axis{stroke:#9aa5b5}svg.brush .tick{font-size:10px;fill:var(--dim)}svg.brush .selection{fill:rgba(44,93,143,.18);stroke:var(--blue)}
        .legend span{margin-right:14px}.sw{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:4px;background:#7f8a9c}
        .sw.warn{background:var(--warn)}.sw.bad{background:var(--bad)}
        .cards{display:flex;gap:10px;flex-wrap:wrap}.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:160px}
        .verdict-worse td{background:#fdecea}.verdict-better td{background:#eaf6ec}
        .wf{font-size:12px;border-top:1px solid var(--line)}
        .wf-tools{display:flex;gap:8px;align-items:center;margin:6px 0}
        .wf .legend-crit{border-left:3px solid #f0b429;padding-left:5px;color:var(--dim)}
        .wf .legend-err{border-left:10px solid var(--bad);padding-left:5px;color:var(--dim)}
        .wf-scroll{overflow:auto;position:relative;border:1px solid var(--line)}
        .wf-scroll:focus{outline:2px solid var(--blue);outline-offset:-2px}
        .wf-body{position:relative}
        .wf .row{display:flex;align-items:center;height:22px;border-bottom:1px solid #f0f2f6;cursor:pointer;white-space:nowrap}
        .wf-body .row{position:absolute;left:0;right:0}
        .wf .row.ruler{position:sticky;top:0;z-index:2;background:var(--soft);cursor:default;color:var(--dim);font-weight:600}
        .wf .ruler .lane{height:22px;border-left:1px solid #c5ccd8}
        .wf .ruler .tick{position:absolute;top:4px;padding-left:3px;border-left:1px solid #c5ccd8;font-weight:400;font-size:10.5px;height:18px}
        .wf .row:hover{background:#f7f9fc}.wf .row.sel{background:#e3ecf7}.wf .row.ruler:hover{background:var(--soft)}
        .wf .row.crit{box-shadow:inset 3px 0 0 #f0b429}.wf .row.err .svc,.wf .row.err .op{color:var(--bad)}
        .wf .name{flex:0 0 42%;overflow:hidden;text-overflow:ellipsis;padding-right:6px}
        .wf .lane{flex:1 1 auto;position:relative;height:14px}
        .wf .bar{position:absolute;top:2px;height:10px;min-width:1px;background:#7aa0c8;border-radius:2px}
        .wf .bar.err{background:var(--bad)}.wf .bar.crit{box-shadow:0 0 0 1px #d69e2e}.wf .dur{flex:0 0 80px;text-align:right;color:var(--dim);padding-right:6px}
        .wf .tog{display:inline-block;width:14px;color:var(--dim)}.wf .svc{font-weight:600;margin-right:4px}.wf .caller{color:var(--dim)}
        .wf .badge{margin-left:6px;padding:0 4px;border-radius:3px;background:#eef1f5;color:var(--dim);font-size:11px}
        .wf .badge.err{background:#fdecea;color:var(--bad)}.wf .badge.flag{background:#fff4e0;color:var(--warn)}
        .wf .group .name{color:var(--dim);font-style:italic}.wf .group .bar{background:#b9cbe0}.wf .group .bar.err{background:#e59a92}
        #diff tr.only-a td{background:#fdf1f0;color:#8a3b33}#diff tr.only-b td{background:#eef7ee;color:#2f6b34}
        #diff td.changed{color:var(--bad);font-weight:700}#diff th.bars,#diff td.bars{width:28%}
        svg.dbar{display:block;width:100%;height:16px;background:#f7f9fc}svg.dbar .a{fill:#7aa0c8}svg.dbar .b{fill:#e0a050}
        svg.dbar .err{fill:var(--bad)}.sw.a{background:#7aa0c8;height:8px}.sw.b{background:#e0a050;height:8px}
        .attrs{margin:4px 0 8px 24px;font-size:12px}.attrs h2{font-size:13px}
        .attrs th{text-align:left;color:var(--dim);font-weight:400;padding:1px 8px}
        .attrs td{padding:1px 8px;border-bottom:1px solid #f0f2f6;white-space:pre-wrap;word-break:break-all}
        """
}
