/// The trace waterfall's script (`/static/waterfall.js`).
enum WaterfallScript {
    static let source = """
        "use strict";
        """
}
