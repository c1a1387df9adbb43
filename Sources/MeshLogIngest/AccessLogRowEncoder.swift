import Foundation
import MeshLogCore
import MeshLogStore

/// Destinations parsed from cluster names, SNIs and authorities, shared by the encoders of one ingest.
final class DestinationCache {
    @exclusivity(unchecked) var destinations: [AccessLogRowEncoder.Destination] = []
    /// The interner generation the entries belong to.
    @exclusivity(unchecked) var generation = 0
}

/// Turns parsed records into `log_row` rows: interns repeated strings, derives route,
/// direction, service, namespace and subset, and packs ids and addresses compactly. The
/// destination and the rarely filtered text fields become one `destination` and one `variant`
/// id per line.
///
/// Derivations are cached per dictionary id, so the per-line cost is a hash lookup per field.
final class AccessLogRowEncoder {
    let interner: StringInterner
    /// Request ids → `request` table ids (bounded like `interner`).
    let requests: StringInterner
    /// Finds a request id stored by an earlier run, or nil (only consulted for ids not seen in this run).
    let resolveRequest: ((_ value: UnsafeBufferPointer<UInt8>, _ isBlob: Bool) -> Int64?)?
    @exclusivity(unchecked) private var requestKey: [UInt8] = []
    /// Direction of the last encoded line (1 inbound, 2 outbound).
    @exclusivity(unchecked) private(set) var lastDirection: Int64?
    /// How the last inbound line arrived (``TLSClass/code``), 0 for any other line.
    @exclusivity(unchecked) private(set) var lastTLS: Int64 = 0
    /// Dictionary id of the last encoded line's downstream_local address.
    @exclusivity(unchecked) private(set) var lastDownstreamLocal: Int64?
    /// Parsed destinations, indexed by the interner's aux slots; shared by every encoder of one
    /// ingest, because the interner (and so the aux slots) outlives each file.
    private let cache: DestinationCache
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    /// Where a path's route template is written (grown for long paths).
    @exclusivity(unchecked) private var templateBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1024)
    @exclusivity(unchecked) private var templateCapacity = 1024
    private let extraNames: () -> [String]
    /// (cluster, direction, service, namespace, subset) → `destination` id.
    let destinationIDs: TupleInterner
    /// (method, protocol, authority, termination, transport failure, SNI, route name, user agent, XFF) → `variant` id.
    let variantIDs: TupleInterner
    private let destTuple = UnsafeMutablePointer<Int64>.allocate(capacity: 5)
    private let variantTuple = UnsafeMutablePointer<Int64>.allocate(capacity: 9)

    /// Positions in the variant tuple (`AccessLogBatch.variantColumns`).
    private enum V {
        static let method = 0, `protocol` = 1, authority = 2, termination = 3, transportFailure = 4
        static let serverName = 5, routeName = 6, userAgent = 7, forwardedFor = 8
    }

    /// Aux slots of the interner used here.
    private enum Aux {
        static let route = 0       // path → route id; flags → 1 once its flag set is recorded
        static let cluster = 1     // cluster name → destination index
        static let serverName = 2  // SNI → destination index, or -2
        static let host = 3        // authority → destination index, or -2
    }

    /// Where a line's request went, as far as the cluster, SNI or authority tell.
    struct Destination {
        var direction: Int64?
        var service: Int64?
        var namespace: Int64?
        var subset: Int64?
    }

    init(interner: StringInterner, requests: StringInterner, cache: DestinationCache,
         destinationIDs: TupleInterner, variantIDs: TupleInterner,
         resolveRequest: ((_ value: UnsafeBufferPointer<UInt8>, _ isBlob: Bool) -> Int64?)? = nil,
         extraNames: @escaping () -> [String]) {
        precondition(destinationIDs.arity == 5 && variantIDs.arity == 9)
        self.interner = interner
        self.destinationIDs = destinationIDs
        self.variantIDs = variantIDs
        self.cache = cache
        self.requests = requests
        self.resolveRequest = resolveRequest
        self.extraNames = extraNames
    }

    deinit {
        templateBuffer.deallocate()
        destTuple.deallocate()
        variantTuple.deallocate()
    }

    /// Drops cached derivations when the interner has been cleared.
    func syncGeneration() {
        guard interner.generation != cache.generation else { return }
        cache.generation = interner.generation
        cache.destinations.removeAll()
    }

    /// Appends one row for `record` to `batch`.
    func encode(_ record: AccessLogRecord, line: Int, reporter: Int64?, into batch: AccessLogBatch) {
        batch.beginRow()
        batch.set(.sourceID, batch.sourceID)
        batch.set(.line, Int64(line))
        batch.set(.startMicros, record.startMicros)
        batch.set(.reporter, reporter)
        let interner = self.interner
        @inline(__always) func intern(_ f: AccessLogField, _ c: AccessLogBatch.Column) -> Int64? {
            guard let v = record.value(f) else { return nil }
            let id = interner.intern(v)
            batch.set(c, id)
            return id
        }
        let variant = variantTuple
        variant.update(repeating: TupleInterner.null, count: 9)
        @inline(__always) func intern(_ f: AccessLogField, variant slot: Int) {
            if let v = record.value(f) { variant[slot] = interner.intern(v) }
        }
        @inline(__always) func integer(_ f: AccessLogField, _ c: AccessLogBatch.Column) {
            if let v = record.integer(f) { batch.set(c, v) }
        }
        intern(.method, variant: V.method)
        var authoritySlot = -1
        if let v = record.value(.authority) {
            variant[V.authority] = interner.intern(v)
            authoritySlot = interner.lastSlot
        }
        if let path = record.value(.path) {
            if let id = interner.lookup(path), interner.aux(Aux.route) >= 0 {
                // A path seen before (one without ids in it): its route is remembered with it.
                batch.set(.path, id)
                batch.set(.route, interner.aux(Aux.route))
            } else {
                let need = RouteTemplate.maxLength(path.count)
                if need > templateCapacity {
                    templateBuffer.deallocate()
                    templateCapacity = max(need, 2 * templateCapacity)
                    templateBuffer = .allocate(capacity: templateCapacity)
                }
                let (count, changed) = RouteTemplate.template(path, to: templateBuffer)
                if !changed {
                    let id = interner.intern(path)
                    interner.setAux(Aux.route, id, slot: interner.lastSlot)
                    batch.set(.path, id)
                    batch.set(.route, id)
                } else {
                    // A path with ids in it is nearly always new: stored as text in the row rather
                    // than interned (a dictionary entry per request, and an insert, for nothing).
                    batch.setText(.path, path)
                    batch.set(.route, interner.intern(UnsafeBufferPointer(start: templateBuffer, count: count)))
                }
            }
        }
        intern(.protocol, variant: V.protocol)
        integer(.status, .status)
        if let flags = record.value(.flags) {
            let lowercase = flags.contains(where: { $0 >= 97 && $0 <= 122 })
            let text = lowercase ? ResponseFlag.shortForm(String(decoding: flags, as: UTF8.self)) : nil
            let id = text.map { interner.intern($0) } ?? interner.intern(flags)
            batch.set(.flags, id)
            if interner.aux(Aux.route) < 0 {
                interner.setAux(Aux.route, 1, slot: interner.lastSlot)
                let short = text ?? String(decoding: flags, as: UTF8.self)
                for flag in short.split(separator: ",") { batch.newFlagSets.append((id, String(flag))) }
            }
        }
        _ = intern(.details, .details)
        intern(.terminationDetails, variant: V.termination)
        intern(.transportFailure, variant: V.transportFailure)
        integer(.bytesReceived, .bytesReceived)
        integer(.bytesSent, .bytesSent)
        integer(.duration, .duration)
        integer(.upstreamServiceTime, .upstreamTime)
        if let rid = record.value(.requestID) { encodeRequest(rid, batch) }
        if let tid = record.value(.traceID) { Self.setTraceID(tid, batch) }
        _ = intern(.upstreamHost, .upstreamHost)
        var dest = Destination()
        var clusterID = TupleInterner.null
        if let cluster = record.value(.upstreamCluster) {
            clusterID = interner.intern(cluster)
            dest = destination(Aux.cluster, cluster) { ClusterName.destination(cluster: $0) } ?? Destination()
        }
        if let v = record.value(.upstreamLocal) { Self.setAddress(v, .upstreamLocal, batch) }
        lastDownstreamLocal = intern(.downstreamLocal, .downstreamLocal)
        if let v = record.value(.downstreamRemote) { Self.setAddress(v, .downstreamRemote, batch) }
        if let sni = record.value(.serverName) {
            variant[V.serverName] = interner.intern(sni)
            if dest.direction != 2, let fromSNI = destination(Aux.serverName, sni, { ClusterName.destination(serverName: $0) }) {
                // Inbound (or unknown): the SNI names the service the caller targeted.
                dest.service = dest.service ?? fromSNI.service
                dest.namespace = dest.namespace ?? fromSNI.namespace
                dest.subset = dest.subset ?? fromSNI.subset
            }
        }
        intern(.routeName, variant: V.routeName)
        intern(.userAgent, variant: V.userAgent)
        intern(.forwardedFor, variant: V.forwardedFor)
        if dest.service == nil, authoritySlot >= 0, let authority = record.value(.authority) {
            _ = interner.intern(authority)
            if let fromHost = destination(Aux.host, authority, { ClusterName.destination(host: $0) }) {
                dest.service = fromHost.service
                dest.namespace = dest.namespace ?? fromHost.namespace
            }
        }
        lastDirection = dest.direction
        if dest.direction == 1 {
            var tls = TLSClass.inbound(sni: record.value(.serverName))
            // A verified spiffe:// client certificate proves the mesh's mTLS whatever the SNI.
            if tls != .mesh, !record.extras.isEmpty, hasSpiffePeer(record) { tls = .mesh }
            lastTLS = tls.code
        } else {
            lastTLS = 0
        }
        let null = TupleInterner.null
        destTuple[0] = clusterID
        destTuple[1] = dest.direction ?? null
        destTuple[2] = dest.service ?? null
        destTuple[3] = dest.namespace ?? null
        destTuple[4] = dest.subset ?? null
        batch.set(.destination, destinationIDs.intern(destTuple))
        batch.set(.variant, variantIDs.intern(variant))

        if !record.extras.isEmpty { encodeExtras(record, record.buffer, batch) }
    }

    /// Interns a request id into the `request` table: a canonical UUID as 16 bytes, anything else as text.
    @inline(__always)
    private func encodeRequest(_ v: UnsafeBufferPointer<UInt8>, _ batch: AccessLogBatch) {
        requestKey.removeAll(keepingCapacity: true)
        var raw: (UInt64, UInt64) = (0, 0)
        let isUUID = Self.uuidBytes(v, into: &raw)
        if isUUID {
            requestKey.append(0)
            withUnsafeBytes(of: &raw) { requestKey.append(contentsOf: $0) }
        } else {
            requestKey.append(1)
            requestKey.append(contentsOf: v)
        }
        let resolve = resolveRequest
        let (id, isNew) = requestKey.withUnsafeBufferPointer { key in
            requests.intern(key, resolve: { key in
                resolve?(UnsafeBufferPointer(rebasing: key[1...]), isUUID)
            })
        }
        batch.set(.requestID, id)
        if isNew { batch.newRequests.append((id, Array(requestKey[1...]), isUUID)) }
    }

    /// The 16 bytes of a canonical lowercase UUID, or false.
    @inline(__always)
    static func uuidBytes(_ v: UnsafeBufferPointer<UInt8>, into raw: inout (UInt64, UInt64)) -> Bool {
        guard v.count == 36, v[8] == 45, v[13] == 45, v[18] == 45, v[23] == 45 else { return false }
        var ok = true
        withUnsafeMutableBytes(of: &raw) { out in
            var o = 0
            var i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 { i += 1; continue }
                guard let hi = lowerHex(v[i]), let lo = lowerHex(v[i + 1]) else { ok = false; return }
                out[o] = hi << 4 | lo
                o += 1
                i += 2
            }
        }
        return ok
    }

    /// The cached destination of the string just interned (at `interner.lastSlot`), computing it once.
    @inline(__always)
    private func destination(_ aux: Int, _ bytes: UnsafeBufferPointer<UInt8>,
                             _ parse: (String) -> ClusterName.Parts?) -> Destination? {
        let cached = interner.aux(aux)
        if cached >= 0 { return cache.destinations[Int(cached)] }
        if cached == -2 { return nil }
        let slot = interner.lastSlot
        guard let parts = parse(String(decoding: bytes, as: UTF8.self)) else {
            interner.setAux(aux, -2, slot: slot)
            return nil
        }
        let d = Destination(direction: parts.direction == .unknown ? nil : Int64(parts.direction.rawValue),
                            service: parts.service.map { interner.intern($0) },
                            namespace: parts.namespace.map { interner.intern($0) },
                            subset: parts.subset.map { interner.intern($0) })
        cache.destinations.append(d)
        interner.setAux(aux, Int64(cache.destinations.count - 1), slot: slot)
        return d
    }

    static let spiffePrefix = Array("spiffe://".utf8)

    /// Whether the line's `%DOWNSTREAM_PEER_URI_SAN%` (kept among its extras) is a `spiffe://` identity.
    private func hasSpiffePeer(_ record: AccessLogRecord) -> Bool {
        let names = extraNames()
        let prefix = Self.spiffePrefix
        for extra in record.extras where names[extra.name] == PeerIdentity.extraKey {
            let start = Int(extra.start), end = Int(extra.end)
            guard end - start >= prefix.count else { continue }
            if (0..<prefix.count).allSatisfy({ record.bytes[start + $0] == prefix[$0] }) { return true }
        }
        return false
    }

    private func encodeExtras(_ record: AccessLogRecord, _ b: UnsafeBufferPointer<UInt8>, _ batch: AccessLogBatch) {
        let names = extraNames()
        scratch.removeAll(keepingCapacity: true)
        scratch.append(UInt8(ascii: "{"))
        for (k, extra) in record.extras.enumerated() {
            if k > 0 { scratch.append(UInt8(ascii: ",")) }
            Self.appendJSONString(Array(names[extra.name].utf8)[...], &scratch)
            scratch.append(UInt8(ascii: ":"))
            Self.appendJSONString(b[Int(extra.start)..<Int(extra.end)], &scratch)
        }
        scratch.append(UInt8(ascii: "}"))
        scratch.withUnsafeBufferPointer { batch.setText(.extra, $0) }
    }

    static func appendJSONString<C: Collection>(_ s: C, _ out: inout [UInt8]) where C.Element == UInt8 {
        out.append(34)
        for c in s {
            switch c {
            case 34: out.append(contentsOf: [92, 34])
            case 92: out.append(contentsOf: [92, 92])
            case 0..<32:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, 117, 48, 48, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: out.append(c)
            }
        }
        out.append(34)
    }

    /// Stores a trace id as 16 bytes (32 hex, 16 hex left-padded, or a W3C traceparent), else text.
    @inline(__always)
    static func setTraceID(_ v: UnsafeBufferPointer<UInt8>, _ batch: AccessLogBatch) {
        var hex = v
        if v.count == 55, v[2] == 45, v[35] == 45 { hex = UnsafeBufferPointer(rebasing: v[3..<35]) }
        if hex.count == 32 || hex.count == 16 {
            var raw: (UInt64, UInt64) = (0, 0)
            var ok = true
            withUnsafeMutableBytes(of: &raw) { out in
                let pad = hex.count == 16 ? 8 : 0
                for k in 0..<(hex.count / 2) {
                    guard let hi = anyHex(hex[2 * k]), let lo = anyHex(hex[2 * k + 1]) else { ok = false; return }
                    out[pad + k] = hi << 4 | lo
                }
            }
            if ok {
                withUnsafeBytes(of: &raw) { batch.setBlob(.traceID, $0) }
                return
            }
        }
        batch.setText(.traceID, v)
    }

    /// Stores `a.b.c.d:port` as `ip << 16 | port`, anything else (IPv6, names) as text.
    @inline(__always)
    static func setAddress(_ v: UnsafeBufferPointer<UInt8>, _ c: AccessLogBatch.Column, _ batch: AccessLogBatch) {
        var ip: Int64 = 0
        var octet: Int64 = 0
        var digits = 0
        var dots = 0
        var i = 0
        while i < v.count {
            let ch = v[i]
            if ch &- 48 < 10 {
                octet = octet * 10 + Int64(ch - 48)
                digits += 1
                if digits > 3 || octet > 255 { break }
            } else if ch == 46, digits > 0, dots < 3 {
                ip = ip << 8 | octet
                octet = 0; digits = 0; dots += 1
            } else if ch == 58, dots == 3, digits > 0 {
                ip = ip << 8 | octet
                guard let port = ByteParsing.integer(v, i + 1, v.count), port < 65536, i + 1 < v.count,
                      v[i + 1] != 45 else { break }
                batch.set(c, ip << 16 | port)
                return
            } else {
                break
            }
            i += 1
        }
        batch.setText(c, v)
    }

    @inline(__always)
    static func lowerHex(_ c: UInt8) -> UInt8? {
        if c &- 48 < 10 { return c - 48 }
        if c >= 97 && c <= 102 { return c - 87 }
        return nil
    }

    @inline(__always)
    static func anyHex(_ c: UInt8) -> UInt8? {
        if c >= 65 && c <= 70 { return c - 55 }
        return lowerHex(c)
    }
}
