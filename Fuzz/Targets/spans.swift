// The span readers and decoders: `SpanFormatSniffer` on the head, then `JSONStreamReader` with a
// small buffer and short reads (so tokens straddle refills) under the Zipkin, Jaeger or OTLP/Tempo
// decoder, or the OTLP protobuf decoder on the same short reads, as `SpanDecoder` runs them.
//
// Input: the first byte picks the read size and, when the sniffer rejects the file, the decoder.
@testable import MeshLogCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let body = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[1...]))
    let format = SpanFormatSniffer.sniff(body) ?? SpanFormat.allCases[Int(first) % SpanFormat.allCases.count]
    _ = SpanFormatSniffer.rejectionReason(body)
    let step = 1 + Int(first) % 37
    var offset = 0
    let reader = JSONStreamReader(chunkSize: 16 + Int(first >> 3)) { out in
        let n = min(out.count, step, body.count - offset)
        guard n > 0 else { return 0 }
        out.baseAddress!.copyMemory(from: body.baseAddress! + offset, byteCount: n)
        offset += n
        return n
    }
    var spans = 0
    let sink = SpanSink(onSpan: { span in spans += 1; _ = span.traceID }, onWarning: { _ = $0.description })
    do {
        switch format {
        case .zipkinV2: try ZipkinV2Decoder(reader: reader, sink: sink).run()
        case .jaeger: try JaegerJSONDecoder(reader: reader, sink: sink).run()
        case .otlp, .tempo: try OTLPJSONDecoder(reader: reader, sink: sink).run()
        case .otlpProtobuf:
            // Binary OTLP (one message, or the file exporter's length-prefixed ones), read in the same short steps.
            try OTLPProtobufDecoder(read: { out in
                let n = min(out.count, step, body.count - offset)
                guard n > 0 else { return 0 }
                out.baseAddress!.copyMemory(from: body.baseAddress! + offset, byteCount: n)
                offset += n
                return n
            }, sink: sink).run()
        }
    } catch let error as SpanDecodeError {
        _ = error.description
    } catch {
        preconditionFailure("unexpected error \(error)")
    }
    // The public entry point over the whole buffer agrees on the span count when it succeeds.
    var again = 0
    if (try? SpanDecoder(format: format).decode(bytes: body, onSpan: { _ in again += 1 }, onWarning: { _ in })) != nil {
        precondition(again == spans, "span count depends on the read size: \(again) vs \(spans)")
    }
    return 0
}
