import MeshLogStore

/// Rebuilds a request's call tree from access logs alone.
///
/// 1. **Pair** every inbound line with the outbound line that caused it: first the caller's `upstream_local`
///    equal to the callee's `downstream_remote` (the hop's join key), then, for earlier attempts of a retried hop
///    that used other connections, the same callee service from the caller's pod IP within the outbound line's
///    time window, and last the same service by time alone. Several inbound lines for one outbound line are the
///    hop's attempts (`URX`); an outbound line with none never reached an application (`UF`, `UH`, `NR`, …).
/// 2. **Nest** each outbound line under the inbound line of the same pod (reporter and pod IP) that contains it
///    in time, the innermost one when several do. Outbound lines no inbound line contains are roots (the edge).
///
/// Times in access logs have millisecond resolution, so every comparison allows 1 ms of slack.
public struct LogTreeBuilder {
    static let slackUs: Int64 = 1000

    public init() {}

    /// Builds the tree (unsorted, unadjusted) into `tree`, appending roots.
    public func build(_ lines: [TraceLogLine], into tree: inout TraceTree) {
        let lines = lines.sorted { ($0.startUs, $0.id) < ($1.startUs, $1.id) }
        let outbound = lines.indices.filter { !lines[$0].inbound }
        let inbound = lines.indices.filter { lines[$0].inbound }
        var pairedTo: [Int: Int] = [:]  // inbound line index -> outbound line index

        func inWindow(_ i: Int, of o: Int) -> Bool {
            lines[i].startUs + Self.slackUs >= lines[o].startUs && lines[i].startUs <= lines[o].endUs + Self.slackUs
        }
        func closest(_ i: Int, _ candidates: [Int]) -> Int? {
            candidates.min { abs(lines[i].startUs - lines[$0].startUs) < abs(lines[i].startUs - lines[$1].startUs) }
        }
        var byUpstreamLocal: [String: [Int]] = [:]
        for o in outbound { if let u = lines[o].upstreamLocal { byUpstreamLocal[u, default: []].append(o) } }
        for i in inbound {
            guard let remote = lines[i].downstreamRemote, let cands = byUpstreamLocal[remote] else { continue }
            if let o = closest(i, cands.filter { inWindow(i, of: $0) }) { pairedTo[i] = o }
        }
        for i in inbound where pairedTo[i] == nil {
            let sameService = outbound.filter {
                inWindow(i, of: $0) && (lines[$0].service == nil || lines[$0].service == lines[i].service)
                    && lines[$0].status != 404
            }
            let callerIP = TraceLogLine.ip(lines[i].downstreamRemote)
            let fromPod = sameService.filter {
                TraceLogLine.ip(lines[$0].upstreamLocal ?? lines[$0].downstreamRemote) == callerIP
            }
            if let o = closest(i, fromPod.isEmpty ? sameService : fromPod) { pairedTo[i] = o }
        }

        // Nodes: one per outbound line (hop), one per attempt of a retried hop, one per unpaired inbound line.
        var attemptsOf: [Int: [Int]] = [:]
        for (i, o) in pairedTo { attemptsOf[o, default: []].append(i) }
        var nodeOfLine: [Int: Int] = [:]  // line index -> node hosting sub-calls (inbound) or the hop (outbound)
        var created: [(line: Int, node: Int)] = []

        for o in outbound {
            let line = lines[o]
            let attempts = (attemptsOf[o] ?? []).sorted { (lines[$0].startUs, lines[$0].id) < (lines[$1].startUs, lines[$1].id) }
            var node = TraceNode(kind: .hop, service: line.service ?? "?", caller: Self.workload(line.reporter),
                                 operation: line.operation, startUs: line.startUs, durationUs: line.durationMs * 1000,
                                 status: String(line.status), isError: line.isError, flags: line.flags)
            node.clientUs = line.durationMs * 1000
            node.upstreamUs = line.upstreamMs.map { $0 * 1000 }
            node.inboundLines = attempts.count
            node.requestID = line.requestID
            node.logLines = [line.id]
            if let last = attempts.last {
                node.serverUs = lines[last].durationMs * 1000
                node.logLines.append(contentsOf: attempts.map { lines[$0].id })
                if lines[last].status != line.status || lines[last].flags != line.flags {
                    node.notes.append("server side: \(lines[last].status) \(lines[last].flags.isEmpty ? "-" : lines[last].flags)")
                }
            }
            let hop = tree.nodes.count
            tree.nodes.append(node)
            nodeOfLine[o] = hop
            created.append((o, hop))
            if attempts.count > 1 {
                for (k, i) in attempts.enumerated() {
                    let a = lines[i]
                    var att = TraceNode(kind: .attempt, service: a.service ?? line.service ?? "?",
                                        caller: Self.workload(a.reporter), operation: "attempt \(k + 1) of \(attempts.count)",
                                        startUs: a.startUs, durationUs: a.durationMs * 1000, status: String(a.status),
                                        isError: a.isError, flags: a.flags)
                    att.attempt = k + 1
                    att.serverUs = a.durationMs * 1000
                    att.logLines = [a.id]
                    att.requestID = a.requestID
                    att.parent = hop
                    let index = tree.nodes.count
                    tree.nodes.append(att)
                    tree.nodes[hop].children.append(index)
                    nodeOfLine[i] = index
                }
            } else if let only = attempts.first {
                nodeOfLine[only] = hop
            }
        }
        for i in inbound where pairedTo[i] == nil {
            let a = lines[i]
            var node = TraceNode(kind: .inbound, service: a.service ?? "?", caller: Self.workload(a.reporter),
                                 operation: a.operation, startUs: a.startUs, durationUs: a.durationMs * 1000,
                                 status: String(a.status), isError: a.isError, flags: a.flags)
            node.serverUs = a.durationMs * 1000
            node.upstreamUs = a.upstreamMs.map { $0 * 1000 }
            node.inboundLines = 1
            node.logLines = [a.id]
            node.requestID = a.requestID
            node.notes.append("no outbound line from the caller")
            let index = tree.nodes.count
            tree.nodes.append(node)
            nodeOfLine[i] = index
            created.append((i, index))
        }

        // Nesting: each outbound line under the innermost inbound line of its pod that contains it in time.
        var inboundByPod: [String: [Int]] = [:]
        for i in inbound { inboundByPod[lines[i].podKey, default: []].append(i) }
        for (lineIndex, node) in created {
            var parentNode: Int?
            if !lines[lineIndex].inbound {
                let o = lines[lineIndex]
                let containing = (inboundByPod[o.podKey] ?? []).filter {
                    lines[$0].startUs <= o.startUs + Self.slackUs && o.startUs <= lines[$0].endUs + Self.slackUs
                        && pairedTo[$0] != lineIndex
                }
                if let i = containing.max(by: { (lines[$0].startUs, -lines[$0].durationMs) < (lines[$1].startUs, -lines[$1].durationMs) }) {
                    parentNode = nodeOfLine[i]
                }
            }
            if let parentNode, parentNode != node {
                tree.nodes[node].parent = parentNode
                tree.nodes[parentNode].children.append(node)
            } else {
                tree.roots.append(node)
            }
        }
    }

    /// `frontend-v1-fsg6lvwr4-4jjth` → `frontend-v1`: a pod name without its ReplicaSet and pod hashes.
    static func workload(_ pod: String) -> String {
        let parts = pod.split(separator: "-")
        guard parts.count > 2 else { return pod }
        let tail = parts.suffix(2)
        let looksHashed = tail.allSatisfy { $0.count >= 5 && $0.count <= 10 && $0.allSatisfy { $0.isLowercase || $0.isNumber } }
        return looksHashed ? parts.dropLast(2).joined(separator: "-") : pod
    }
}
