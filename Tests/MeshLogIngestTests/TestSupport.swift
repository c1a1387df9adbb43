import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore
@_exported import MeshLogTestSupport

/// Ingests paths into a database file and returns the summary.
@discardableResult
func ingest(_ paths: [String], db: String, options: IngestOptions = IngestOptions()) throws -> IngestSummary {
    let database = try SQLiteStore.openForWriting(path: db)
    let ingester = try Ingester(db: database, options: options)
    return try ingester.run(try InputDiscovery.expand(paths))
}

/// Runs a query and returns the first column of the first row.
func scalar(_ db: String, _ sql: String) throws -> SQLValue {
    try SQLiteStore.openForReading(path: db).scalar(sql)
}
