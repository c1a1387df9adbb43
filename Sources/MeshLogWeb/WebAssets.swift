import MeshLogAnalysis

/// The static files: one style sheet and small hand-written scripts, served from `/static/` (no CDN, no build step).
enum WebAssets {
    /// Path → (content type, text).
    static let files: [String: (String, String)] = [
        "/static/meshlog.css": ("text/css; charset=utf-8", AppStyle.css),
        "/static/report.css": ("text/css; charset=utf-8", ReportRenderer.css),
        "/static/meshlog.js": ("text/javascript; charset=utf-8", AppScript.source),
        "/static/waterfall.js": ("text/javascript; charset=utf-8", WaterfallScript.source),
    ]

    /// The file at `path`, cacheable for an hour, or nil.
    static func response(path: String) -> WebResponse? {
        guard let (type, text) = files[path] else { return nil }
        return WebResponse(contentType: type, headers: [("Cache-Control", "max-age=3600")], body: Array(text.utf8))
    }
}
