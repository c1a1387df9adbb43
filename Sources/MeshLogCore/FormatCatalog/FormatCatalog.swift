/// The built-in access-log presets, most specific first (the order detection tries them in).
public enum FormatCatalog {
    /// Istio 1.9+ default TEXT format: `EnvoyTextLogFormatIstio19` in istio/istio
    /// `pilot/pkg/networking/core/v1alpha3/accesslog.go` at 1.9.0 and 1.10.0 (for 1.9+ proxies),
    /// `EnvoyTextLogFormat` there from 1.11.0 and in `pilot/pkg/model/telemetry_logging.go` from
    /// 1.15.0; since 1.23.0 it writes `%UPSTREAM_CLUSTER_RAW%`, which prints the same cluster name.
    public static let istioFormat = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n"#
    /// Istio 1.3 to 1.7 default TEXT format, with the mixer status: `EnvoyTextLogFormat13` in istio/istio
    /// `pilot/pkg/networking/core/v1alpha3/listener.go` at 1.3.0–1.5.0, `EnvoyTextLogFormat` there at 1.6.0 and 1.7.0.
    public static let istio13Format = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n"#
    /// Istio 1.2 default TEXT format, mixer status and transport failure but no route name:
    /// `EnvoyTextLogFormat` in istio/istio `pilot/pkg/networking/core/v1alpha3/listener.go` at 1.2.0–1.2.10
    /// (`EnvoyTextLogFormat12` at 1.3.0–1.5.0, for 1.2 proxies).
    public static let istio12Format = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%\n"#
    /// Istio 1.8 default TEXT format, the mixer status gone and no response code details yet:
    /// `EnvoyTextLogFormat` in istio/istio `pilot/pkg/networking/core/v1alpha3/accesslog.go` at 1.8.0–1.8.6
    /// (and at 1.9.0/1.10.0 for proxies older than 1.9).
    public static let istio18Format = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n"#
    /// Istio 1.1 default TEXT format, the mixer status the only quoted field after the flags:
    /// `EnvoyTextLogFormat` in istio/istio `pilot/pkg/networking/core/v1alpha3/listener.go` at 1.1.0–1.1.17.
    public static let istio11Format = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%\n"#
    /// Istio 1.1 pre-release TEXT format (the 1.1 snapshots of late 2018 to February 2019): Envoy's
    /// default with a space before the protocol, then the upstream cluster, the three addresses and
    /// the SNI, no mixer status yet (istio/istio#11471, merged 2019-02-04, added it, giving `istio11Format`).
    /// Not in a release's source; read off the lines istio.io's egress task still quotes
    /// (`content/en/docs/tasks/traffic-management/egress/egress-control`, dated 2019-01-24).
    public static let istio11PreFormat = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%\n"#
    /// Istio 1.0.3 to 1.0.9 HTTP format: `EnvoyHTTPLogFormat` in istio/istio
    /// `pilot/pkg/networking/core/v1alpha3/listener.go`, which joins the path and the protocol with no
    /// space (`"GET /productpageHTTP/1.1"`). Istio 1.0.0–1.0.2 set no format: Envoy's default.
    public static let istio10Format = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%%PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%\n"#
    /// Istio 1.0.3 to 1.0.9 TCP format: `EnvoyTCPLogFormat`, same file (used by `networkfilter.go`).
    public static let istio10TCPFormat = #"[%START_TIME%] %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%\n"#
    /// Envoy's default format (envoyproxy/envoy `docs/root/configuration/observability/access_log/usage.rst`,
    /// "Default Format String").
    public static let envoyFormat = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n"#
    /// Kuma / Kong Mesh MeshAccessLog default for HTTP traffic: `defaultHttpAccessLogFormat` in kumahq/kuma
    /// `pkg/plugins/policies/meshaccesslog/plugin/xds/configurer.go`.
    public static let kumaFormat = #"[%START_TIME%] %KUMA_MESH% "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-B3-TRACEID?X-DATADOG-TRACEID)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%KUMA_SOURCE_SERVICE%" "%KUMA_DESTINATION_SERVICE%" "%KUMA_SOURCE_ADDRESS_WITHOUT_PORT%" "%UPSTREAM_HOST%"\n"#
    /// Kuma / Kong Mesh MeshAccessLog default for TCP traffic: `defaultNetworkAccessLogFormat`, same file.
    public static let kumaTCPFormat = #"[%START_TIME%] %RESPONSE_FLAGS% %KUMA_MESH% %KUMA_SOURCE_ADDRESS_WITHOUT_PORT%(%KUMA_SOURCE_SERVICE%)->%UPSTREAM_HOST%(%KUMA_DESTINATION_SERVICE%) took %DURATION%ms, sent %BYTES_SENT% bytes, received: %BYTES_RECEIVED% bytes\n"#

    /// Istio's JSON encoding keys (`EnvoyJSONLogFormatIstio`).
    public static let istioJSONKeys: [String: AccessLogField] = [
        "start_time": .startTime, "method": .method, "path": .path, "protocol": .protocol,
        "response_code": .status, "response_flags": .flags, "response_code_details": .details,
        "connection_termination_details": .terminationDetails,
        "upstream_transport_failure_reason": .transportFailure,
        "bytes_received": .bytesReceived, "bytes_sent": .bytesSent, "duration": .duration,
        "upstream_service_time": .upstreamServiceTime, "x_forwarded_for": .forwardedFor,
        "user_agent": .userAgent, "request_id": .requestID, "authority": .authority,
        "upstream_host": .upstreamHost, "upstream_cluster": .upstreamCluster,
        "upstream_local_address": .upstreamLocal, "downstream_local_address": .downstreamLocal,
        "downstream_remote_address": .downstreamRemote, "requested_server_name": .serverName,
        "route_name": .routeName, "trace_id": .traceID, "traceparent": .traceID,
    ]

    /// Envoy Gateway's default JSON keys (envoyproxy/gateway docs, tasks/observability/proxy-accesslog,
    /// "Default Access Log"): Istio's names for most operators, header names for the headers.
    public static let envoyGatewayJSONKeys: [String: AccessLogField] = {
        let headerNamed: [String: AccessLogField] = [
            "x-envoy-origin-path": .path, "x-envoy-upstream-service-time": .upstreamServiceTime,
            "x-forwarded-for": .forwardedFor, "user-agent": .userAgent, "x-request-id": .requestID,
            ":authority": .authority,
        ]
        var map = istioJSONKeys.filter { !headerNamed.values.contains($0.value) && $0.value != .traceID }
        map.merge(headerNamed) { _, header in header }
        return map
    }()

    /// Contour's JSON keys (`--accesslog-format=json`; projectcontour/contour `docs/logging.md` and
    /// `internal/envoy` DefaultFields): Istio's names, with `@timestamp` for the start time.
    public static let contourJSONKeys: [String: AccessLogField] = {
        var map = istioJSONKeys
        map["@timestamp"] = .startTime
        map["uber_trace_id"] = .traceID
        return map
    }()

    /// Keys seen in hand-written Envoy `json_format` configurations: Istio's names, operator
    /// names and common camelCase spellings.
    public static let envoyJSONKeys: [String: AccessLogField] = {
        var map = istioJSONKeys
        let more: [String: AccessLogField] = [
            "START_TIME": .startTime, "startTime": .startTime, "timestamp": .startTime, "time": .startTime,
            "REQ(:METHOD)": .method, ":method": .method, "http_method": .method, "httpMethod": .method,
            "REQ(X-ENVOY-ORIGINAL-PATH?:PATH)": .path, ":path": .path, "request_path": .path, "uri": .path,
            "original_path": .path,
            "PROTOCOL": .protocol, "RESPONSE_CODE": .status, "status": .status, "status_code": .status,
            "responseCode": .status, "code": .status,
            "RESPONSE_FLAGS": .flags, "responseFlags": .flags, "flags": .flags,
            "RESPONSE_CODE_DETAILS": .details, "responseCodeDetails": .details,
            "BYTES_RECEIVED": .bytesReceived, "bytesReceived": .bytesReceived,
            "BYTES_SENT": .bytesSent, "bytesSent": .bytesSent,
            "DURATION": .duration, "duration_ms": .duration, "durationMs": .duration,
            "upstreamServiceTime": .upstreamServiceTime, "x-envoy-upstream-service-time": .upstreamServiceTime,
            "x-forwarded-for": .forwardedFor, "xForwardedFor": .forwardedFor,
            "user-agent": .userAgent, "userAgent": .userAgent,
            "x-request-id": .requestID, "requestId": .requestID, "x_request_id": .requestID,
            ":authority": .authority, "host": .authority,
            "UPSTREAM_HOST": .upstreamHost, "upstreamHost": .upstreamHost,
            "UPSTREAM_CLUSTER": .upstreamCluster, "upstreamCluster": .upstreamCluster,
            "upstreamLocalAddress": .upstreamLocal, "downstreamLocalAddress": .downstreamLocal,
            "downstreamRemoteAddress": .downstreamRemote, "requestedServerName": .serverName,
            "routeName": .routeName, "TRACE_ID": .traceID, "traceId": .traceID, "x-b3-traceid": .traceID,
        ]
        map.merge(more) { a, _ in a }
        return map
    }()

    /// All presets, most specific first. Text presets that parse the same lines are told apart by
    /// this order; JSON presets by how many columns their key map fills (see `FormatDetector`).
    public static let presets: [FormatPreset] = [
        FormatPreset(
            name: "istio",
            summary: "Istio 1.9+ default TEXT encoding (meshConfig.accessLogEncoding: TEXT)",
            source: "istio/istio pilot/pkg/networking/core/v1alpha3/accesslog.go EnvoyTextLogFormatIstio19 (1.9.0, 1.10.0), EnvoyTextLogFormat from 1.11.0, pilot/pkg/model/telemetry_logging.go from 1.15.0",
            kind: .text(istioFormat),
            samples: [
                #"[2026-11-25T09:14:03.517Z] "GET /courses/1187/lessons/42 HTTP/1.1" 200 - via_upstream - "-" 0 2291 14 13 "-" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\" AppleWebKit/537.36" "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08" "course.lms.svc.cluster.local:8080" "10.244.2.17:8080" outbound|8080|v2|course.lms.svc.cluster.local 10.244.1.9:51234 10.96.14.22:8080 10.244.1.9:40112 - default"#,
                #"[2026-11-25T09:14:03.519Z] "GET /courses/1187/lessons/42 HTTP/1.1" 200 - via_upstream - "-" 0 2291 12 11 "-" "Mozilla/5.0 (X11; Linux x86_64)" "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08" "course.lms.svc.cluster.local:8080" "10.244.2.17:8080" inbound|8080|| 127.0.0.6:38211 10.244.2.17:8080 10.244.1.9:51234 outbound_.8080_.v2_.course.lms.svc.cluster.local default"#,
                #"[2026-11-25T09:15:41.002Z] "POST /payments HTTP/1.1" 503 UF,URX upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111} - "delayed_connect_error:_111" 412 91 3004 - "-" "enrollment/2.4.1" "6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b" "payment.lms.svc.cluster.local:8080" "10.244.3.5:8080" outbound|8080||payment.lms.svc.cluster.local - 10.96.7.31:8080 10.244.1.22:35520 - default"#,
                #"[2026-11-25T09:16:12.330Z] "GET /users/9d3f5a7e-2c41-4b8a-9e6f-1a2b3c4d5e6f HTTP/2" 0 DC downstream_remote_disconnect - "-" 0 0 1000 - "-" "grpc-go/1.59.0" "a2c4e6f8-1b3d-4f5a-8c7e-9d0b1a2c3e4f" "user.lms.svc.cluster.local:8080" "10.244.2.40:8080" inbound|8080|| 127.0.0.6:41002 [fd00:10:244::28]:8080 [fd00:10:244::9]:55102 outbound_.8080_._.user.lms.svc.cluster.local default"#,
                #"[2026-11-25T09:17:00.001Z] "- - -" 0 - - - "-" 1530 4211 60012 - "-" "-" "-" "-" "10.244.4.12:5432" outbound|5432||postgres.data.svc.cluster.local 10.244.1.9:60212 10.96.40.2:5432 10.244.1.9:60210 - -"#,
            ]
        ),
        FormatPreset(
            name: "istio-1.3",
            summary: "Istio 1.3 to 1.7 default TEXT encoding (mixer status, transport failure and route name)",
            source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener.go EnvoyTextLogFormat13 (1.3.0-1.5.x), EnvoyTextLogFormat (1.6.0-1.7.x)",
            kind: .text(istio13Format),
            samples: [
                #"[2020-06-03T11:02:09.118Z] "GET /reviews/0 HTTP/1.1" 200 - "-" "-" 0 295 6 5 "-" "python-requests/2.22.0" "d3b1a6c2-7e4f-4a9b-8c1d-2e3f4a5b6c7d" "reviews:9080" "10.1.4.22:9080" outbound|9080|v2|reviews.default.svc.cluster.local 10.1.4.19:44872 10.100.32.7:9080 10.1.4.19:37702 - default"#,
                #"[2020-06-03T11:02:09.119Z] "GET /reviews/0 HTTP/1.1" 200 - "-" "-" 0 295 5 4 "-" "python-requests/2.22.0" "d3b1a6c2-7e4f-4a9b-8c1d-2e3f4a5b6c7d" "reviews:9080" "127.0.0.1:9080" inbound|9080|http|reviews.default.svc.cluster.local 127.0.0.1:50312 10.1.4.22:9080 10.1.4.19:44872 outbound_.9080_.v2_.reviews.default.svc.cluster.local default"#,
            ]
        ),
        FormatPreset(
            name: "istio-1.2",
            summary: "Istio 1.2 default TEXT encoding (mixer status and transport failure, no route name)",
            source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener.go EnvoyTextLogFormat (1.2.0-1.2.10), EnvoyTextLogFormat12 (1.3.0-1.5.x, for 1.2 proxies)",
            kind: .text(istio12Format),
            samples: [
                #"[2019-07-16T08:21:44.312Z] "GET /productpage HTTP/1.1" 200 - "-" "-" 0 5183 38 37 "10.40.0.1" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_5)" "8f0c4b72-3d1e-9a5b-b7c2-0d6e4f1a2b3c" "bookinfo.example.com" "10.40.1.12:9080" outbound|9080||productpage.default.svc.cluster.local - 10.40.2.5:80 10.40.0.1:52114 -"#,
                #"[2019-07-16T08:21:45.007Z] "GET /ratings/0 HTTP/1.1" 503 UF,URX "-" "TLS error: 268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER" 0 91 25 - "-" "Apache-CXF/3.1.18" "1c9e7a53-6b2f-9d40-8e1a-5f3c2b7d9e01" "ratings:9080" "10.40.1.17:9080" outbound|9080||ratings.default.svc.cluster.local - 10.96.44.3:9080 10.40.1.14:36522 -"#,
            ]
        ),
        FormatPreset(
            name: "istio-1.8",
            summary: "Istio 1.8 default TEXT encoding (no mixer status, no response code details)",
            source: "istio/istio pilot/pkg/networking/core/v1alpha3/accesslog.go EnvoyTextLogFormat (1.8.0-1.8.6; 1.9.0-1.10.x for older proxies)",
            kind: .text(istio18Format),
            samples: [
                #"[2020-12-02T14:06:31.774Z] "GET /reviews/0 HTTP/1.1" 200 - "-" 0 358 9 8 "-" "python-requests/2.25.0" "4a1c7e9d-2b3f-9c85-a6d0-7e8f9a0b1c2d" "reviews:9080" "10.244.1.23:9080" outbound|9080||reviews.default.svc.cluster.local 10.244.1.19:44120 10.96.201.7:9080 10.244.1.19:51860 - default"#,
                #"[2020-12-02T14:06:31.776Z] "GET /reviews/0 HTTP/1.1" 200 - "-" 0 358 7 6 "-" "python-requests/2.25.0" "4a1c7e9d-2b3f-9c85-a6d0-7e8f9a0b1c2d" "reviews:9080" "127.0.0.1:9080" inbound|9080|| 127.0.0.1:58312 10.244.1.23:9080 10.244.1.19:44120 outbound_.9080_._.reviews.default.svc.cluster.local default"#,
                #"[2020-12-02T14:07:02.118Z] "POST /checkout HTTP/2" 503 UF "upstream connect error" 312 91 3001 - "-" "grpc-go/1.33.2" "d7e6f5a4-3b2c-4d1e-9f0a-1b2c3d4e5f60" "checkout.shop.svc.cluster.local:8080" "10.244.2.31:8080" outbound|8080||checkout.shop.svc.cluster.local - 10.96.8.14:8080 10.244.1.19:40118 - default"#,
            ]
        ),
        FormatPreset(
            name: "istio-1.1",
            summary: "Istio 1.1 default TEXT encoding (mixer status the only quoted field after the flags)",
            source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener.go EnvoyTextLogFormat (1.1.0-1.1.17)",
            kind: .text(istio11Format),
            samples: [
                #"[2019-03-06T09:31:27.354Z] "GET /status/418 HTTP/1.1" 418 - "-" 0 135 11 10 "-" "curl/7.60.0" "d209e46f-9ed5-9b61-bbdd-43e22662702a" "httpbin:8000" "172.30.146.73:80" outbound|8000||httpbin.default.svc.cluster.local - 172.21.13.94:8000 172.30.146.82:60290 -"#,
                #"[2019-03-06T09:31:27.360Z] "GET /status/418 HTTP/1.1" 418 - "-" 0 135 5 2 "-" "curl/7.60.0" "d209e46f-9ed5-9b61-bbdd-43e22662702a" "httpbin:8000" "127.0.0.1:80" inbound|8000|http|httpbin.default.svc.cluster.local - 172.30.146.73:80 172.30.146.82:38618 outbound_.8000_._.httpbin.default.svc.cluster.local"#,
                #"[2019-03-06T09:32:10.002Z] "POST /orders HTTP/1.1" 403 UAEX "PERMISSION_DENIED:denyorders.denier.default:not allowed" 211 0 2 - "-" "okhttp/3.12.1" "5b0e8d2c-7a41-9f36-b1c4-2d8e6f0a3b57" "orders:8080" "-" - - 10.104.3.9:8080 10.104.2.11:47702 -"#,
            ]
        ),
        FormatPreset(
            name: "istio-1.1-pre",
            summary: "Istio 1.1 pre-release TEXT encoding (1.1 snapshots, late 2018 to early 2019: no mixer status; SNI last)",
            source: "lines quoted by istio/istio.io content/en/docs/tasks/traffic-management/egress/egress-control (2019-01); istio/istio#11471 added the mixer status after it",
            kind: .text(istio11PreFormat),
            samples: [
                #"[2019-01-17T10:04:51.208Z] "GET /details/0 HTTP/1.1" 200 - 0 178 6 5 "-" "Apache-CXF/3.1.14" "5c1e7a9d-3f2b-9e4c-8d6a-0b1c2d3e4f5a" "details:9080" "10.44.1.12:9080" outbound|9080||details.default.svc.cluster.local - 10.47.248.61:9080 10.44.2.7:51186 -"#,
                #"[2019-01-17T10:04:51.230Z] "GET /ratings/0 HTTP/1.1" 503 UF,URX 0 91 27 - "-" "Apache-CXF/3.1.14" "9a8b7c6d-5e4f-9a3b-8c2d-1e0f9a8b7c6d" "ratings:9080" "10.44.0.9:9080" outbound|9080||ratings.default.svc.cluster.local - 10.47.241.3:9080 10.44.1.15:39010 -"#,
                #"[2019-01-17T10:05:30.514Z] "- - -" 0 - 517 3120 842 - "-" "-" "-" "-" "10.44.0.21:27017" outbound|27017||mongodb.default.svc.cluster.local 10.44.1.15:40210 10.47.240.9:27017 10.44.1.15:40208 -"#,
            ]
        ),
        FormatPreset(
            name: "istio-1.0",
            summary: "Istio 1.0.3 to 1.0.9 HTTP format (path and protocol written with no space between)",
            source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener.go EnvoyHTTPLogFormat (1.0.3-1.0.9)",
            kind: .text(istio10Format),
            companion: "istio-1.0-tcp",
            samples: [
                #"[2018-11-06T15:20:41.317Z] "GET /productpageHTTP/1.1" 200 - 0 5723 41 40 "10.36.0.1" "Mozilla/5.0 (X11; Linux x86_64; rv:63.0) Gecko/20100101 Firefox/63.0" "6b2c4e8f-0d1a-9e3b-a5c7-4f2e1d0c9b8a" "bookinfo.example.com" "10.36.1.9:9080" outbound|9080||productpage.default.svc.cluster.local - 10.36.2.4:80 10.36.0.1:50622"#,
                #"[2018-11-06T15:20:41.330Z] "GET /reviews/0HTTP/1.1" 503 UH 0 19 0 - "-" "python-requests/2.18.4" "0e7d3c2b-1a9f-8e6d-c5b4-a3f2e1d0c9b8" "reviews:9080" "-" outbound|9080|v3|reviews.default.svc.cluster.local - 10.103.22.8:9080 10.36.1.9:41508"#,
            ]
        ),
        FormatPreset(
            name: "istio-1.0-tcp",
            summary: "Istio 1.0.3 to 1.0.9 TCP format (flags, bytes, duration, upstream and addresses)",
            source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener.go EnvoyTCPLogFormat (1.0.3-1.0.9), used by networkfilter.go",
            kind: .text(istio10TCPFormat),
            companion: "istio-1.0",
            samples: [
                #"[2018-11-06T15:22:03.004Z] - 1530 4211 60012 "10.36.3.12:27017" outbound|27017||mongodb.default.svc.cluster.local 10.36.1.14:60210 10.103.40.2:27017 10.36.1.14:60208"#,
                #"[2018-11-06T15:22:09.771Z] UF 0 0 1 "10.36.3.13:3306" outbound|3306||mysqldb.default.svc.cluster.local - 10.103.40.7:3306 10.36.1.14:44102"#,
            ]
        ),
        FormatPreset(
            name: "kuma",
            summary: "Kuma / Kong Mesh MeshAccessLog default for HTTP traffic (mesh and services named)",
            source: "kumahq/kuma pkg/plugins/policies/meshaccesslog/plugin/xds/configurer.go defaultHttpAccessLogFormat",
            kind: .text(kumaFormat),
            companion: "kuma-tcp",
            samples: [
                #"[2024-02-19T10:12:55.301Z] default "GET /api/items HTTP/1.1" 200 - 0 412 6 5 "-" "curl/8.4.0" "5f0c2a1e9b7d3c48" "e3b2c1d0-9f8e-4d7c-b6a5-4f3e2d1c0b9a" "backend:3001" "demo-app_kuma-demo_svc_5000" "backend_kuma-demo_svc_3001" "10.244.0.12" "10.244.0.15:3001""#,
                #"[2024-02-19T10:12:57.884Z] default "POST /api/orders HTTP/2" 503 UF,URX 120 91 1004 - "-" "grpc-go/1.60.1" "-" "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" "orders:8080" "demo-app_kuma-demo_svc_5000" "orders_kuma-demo_svc_8080" "10.244.0.12" "10.244.0.21:8080""#,
            ]
        ),
        FormatPreset(
            name: "kuma-tcp",
            summary: "Kuma / Kong Mesh MeshAccessLog default for TCP traffic",
            source: "kumahq/kuma pkg/plugins/policies/meshaccesslog/plugin/xds/configurer.go defaultNetworkAccessLogFormat",
            kind: .text(kumaTCPFormat),
            companion: "kuma",
            samples: [
                #"[2024-02-19T10:13:02.417Z] - default 10.244.0.15(backend_kuma-demo_svc_3001)->10.244.0.30:6379(redis_kuma-demo_svc_6379) took 5012ms, sent 4212 bytes, received: 1530 bytes"#,
                #"[2024-02-19T10:13:09.950Z] UF default 10.244.0.15(backend_kuma-demo_svc_3001)->10.244.0.31:5432(postgres_kuma-demo_svc_5432) took 1ms, sent 0 bytes, received: 0 bytes"#,
            ]
        ),
        FormatPreset(
            name: "envoy",
            summary: "Envoy's default access-log format (also Istio 1.0.0-1.0.2, Contour, Gloo Edge, App Mesh and, behind ACCESS, Emissary by default)",
            source: "envoyproxy/envoy docs/root/configuration/observability/access_log/usage.rst (Default Format String)",
            kind: .text(envoyFormat),
            samples: [
                #"[2026-11-25T08:00:00.125Z] "GET /api/v1/courses?limit=20 HTTP/1.1" 200 - 0 18231 31 30 "203.0.113.7" "curl/8.5.0" "5e0d7c4a-1f2b-4c3d-8e9f-0a1b2c3d4e5f" "lms.example.com" "10.244.0.30:8080""#,
                #"[2026-11-25T08:00:01.900Z] "GET /api/v1/grades HTTP/1.1" 504 UT 0 24 15001 - "-" "curl/8.5.0" "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d" "lms.example.com" "10.244.0.31:8080""#,
                #"[2026-11-25T08:00:02.001Z] "- - -" 0 - 87 254 4 - "-" "-" "-" "-" "10.244.0.32:6379""#,
                // Contour's docs (site/content/docs/main/config/access-logging.md), its default access log:
                #"[2021-04-14T16:36:00.361Z] "GET /foo HTTP/1.1" 200 - 0 463 6 3 "-" "HTTPie/1.0.3" "837aa8dc-344f-4faa-b7d5-c9cce1028519" "localhost:8080" "127.0.0.1:8081""#,
                // Gloo Edge's docs (docs/content/guides/security/access_logging/_index.md), fileSink with stringFormat "":
                #"[2020-03-17T18:39:54.919Z] "GET /sample-route-1 HTTP/1.1" 200 - 0 86 2 2 "-" "curl/7.54.0" "eb5af05f-f14f-467b-994c-aeac9b5383f1" "35.196.131.38" "10.52.0.54:8080""#,
            ]
        ),
        FormatPreset(
            name: "istio-json",
            summary: "Istio JSON encoding (meshConfig.accessLogEncoding: JSON), typed or all-string values; also Consul's default",
            source: "istio/istio EnvoyJSONLogFormatIstio (pilot/pkg/model/telemetry_logging.go); Consul website/content/docs/connect/observability/access-logs.mdx (Default log format)",
            kind: .json(istioJSONKeys, required: ["response_code", "upstream_cluster", "duration"]),
            samples: [
                #"{"authority":"course.lms.svc.cluster.local:8080","bytes_received":0,"bytes_sent":2291,"connection_termination_details":null,"downstream_local_address":"10.96.14.22:8080","downstream_remote_address":"10.244.1.9:40112","duration":14,"method":"GET","path":"/courses/1187","protocol":"HTTP/1.1","request_id":"0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08","requested_server_name":null,"response_code":200,"response_code_details":"via_upstream","response_flags":"-","route_name":"default","start_time":"2026-11-25T09:14:03.517Z","upstream_cluster":"outbound|8080|v1|course.lms.svc.cluster.local","upstream_host":"10.244.2.17:8080","upstream_local_address":"10.244.1.9:51234","upstream_service_time":"13","upstream_transport_failure_reason":null,"user_agent":"Mozilla/5.0","x_forwarded_for":null}"#,
                #"{"authority":"-","bytes_received":"0","bytes_sent":"0","downstream_local_address":"10.244.2.17:8080","downstream_remote_address":"10.244.1.9:51234","duration":"0","istio_policy_status":"-","method":"GET","path":"/healthz","protocol":"HTTP/1.1","request_id":"-","requested_server_name":"-","response_code":"404","response_flags":"NR","route_name":"-","start_time":"2020-03-01T10:00:00.000Z","upstream_cluster":"-","upstream_host":"-","upstream_local_address":"-","upstream_service_time":"-","upstream_transport_failure_reason":"-","user_agent":"kube-probe/1.17","x_forwarded_for":"-"}"#,
                // Consul's default (website/content/docs/connect/observability/access-logs.mdx): Istio's keys, in its own order.
                #"{"start_time":"2023-03-08T19:02:53.110Z","route_name":"default","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":200,"response_flags":"-","response_code_details":"via_upstream","connection_termination_details":null,"bytes_received":0,"bytes_sent":177,"duration":3,"upstream_service_time":"2","x_forwarded_for":null,"user_agent":"curl/7.85.0","request_id":"9a2f8d4b-6c1e-4e7a-b3d5-0f9e8d7c6b5a","authority":"localhost:9191","upstream_host":"127.0.0.1:9090","upstream_cluster":"backend.default.dc1.internal.8c4a2b1e-3f5d-6a7b-8c9d-0e1f2a3b4c5d.consul","upstream_local_address":"127.0.0.1:52718","downstream_local_address":"127.0.0.1:9191","downstream_remote_address":"127.0.0.1:38856","requested_server_name":null,"upstream_transport_failure_reason":null}"#,
            ]
        ),
        FormatPreset(
            name: "envoy-gateway",
            summary: "Envoy Gateway default JSON access log (header-named keys, JSON nulls)",
            source: "envoyproxy/gateway docs, tasks/observability/proxy-accesslog (Default Access Log)",
            kind: .json(envoyGatewayJSONKeys, required: ["response_code", "duration", "x-envoy-origin-path", "x-request-id"]),
            samples: [
                #"{":authority":"backend:3000","bytes_received":0,"bytes_sent":466,"connection_termination_details":null,"downstream_local_address":"10.244.0.14:3000","downstream_remote_address":"10.244.0.12:34805","duration":1,"method":"GET","protocol":"HTTP/1.1","requested_server_name":null,"response_code":200,"response_code_details":"via_upstream","response_flags":"-","route_name":"httproute/envoy-gateway-system/backend/rule/0/match/0/backend","start_time":"2025-04-09T11:44:45.639Z","upstream_cluster":"httproute/envoy-gateway-system/backend/rule/0","upstream_host":"10.244.0.13:3000","upstream_local_address":"10.244.0.14:58822","upstream_transport_failure_reason":null,"user-agent":"curl/7.88.1","x-envoy-origin-path":"/","x-envoy-upstream-service-time":null,"x-forwarded-for":"10.244.0.12","x-request-id":"ab1e4da7-5f1d-45ea-bb4a-fa1ccd03b82b"}"#,
                #"{":authority":"www.example.com","bytes_received":0,"bytes_sent":0,"connection_termination_details":null,"downstream_local_address":"10.244.0.7:10080","downstream_remote_address":"172.18.0.1:41220","duration":0,"method":"GET","protocol":"HTTP/1.1","requested_server_name":null,"response_code":404,"response_code_details":"route_not_found","response_flags":"NR","route_name":null,"start_time":"2025-04-09T11:45:02.118Z","upstream_cluster":null,"upstream_host":null,"upstream_local_address":null,"upstream_transport_failure_reason":null,"user-agent":"curl/8.5.0","x-envoy-origin-path":"/missing?x=1","x-envoy-upstream-service-time":null,"x-forwarded-for":"172.18.0.1","x-request-id":"3f6c2d1e-0b9a-4c8d-8e7f-6a5b4c3d2e1f"}"#,
            ]
        ),
        FormatPreset(
            name: "contour-json",
            summary: "Contour JSON access log (--accesslog-format=json): Istio-style keys, @timestamp",
            source: "projectcontour/contour docs/logging.md and internal/envoy DefaultFields (JSON mode; Contour's default is Envoy's text format)",
            kind: .json(contourJSONKeys, required: ["response_code", "duration"]),
            samples: [
                #"{"@timestamp":"2021-04-14T16:36:00.361Z","authority":"localhost:8080","bytes_received":0,"bytes_sent":463,"downstream_local_address":"127.0.0.1:8080","downstream_remote_address":"127.0.0.1:50532","duration":6,"method":"GET","path":"/foo","protocol":"HTTP/1.1","request_id":"837aa8dc-344f-4faa-b7d5-c9cce1028519","requested_server_name":"-","response_code":200,"response_flags":"-","uber_trace_id":"-","upstream_cluster":"default/foo/80/da39a3ee5e","upstream_host":"127.0.0.1:8081","upstream_local_address":"127.0.0.1:41240","upstream_service_time":"3","user_agent":"HTTPie/1.0.3","x_forwarded_for":"-"}"#,
                #"{"@timestamp":"2021-04-14T16:36:04.020Z","authority":"localhost:8080","bytes_received":0,"bytes_sent":91,"downstream_local_address":"127.0.0.1:8080","downstream_remote_address":"127.0.0.1:50540","duration":2,"method":"GET","path":"/bar","protocol":"HTTP/1.1","request_id":"1d4c5e2f-7a8b-4c9d-8e0f-a1b2c3d4e5f6","requested_server_name":"-","response_code":503,"response_flags":"UH","uber_trace_id":"-","upstream_cluster":"default/bar/80/da39a3ee5e","upstream_host":"-","upstream_local_address":"-","upstream_service_time":"-","user_agent":"HTTPie/1.0.3","x_forwarded_for":"-"}"#,
            ]
        ),
        FormatPreset(
            name: "envoy-json",
            summary: "Envoy json_format access logs with Istio-style, operator or camelCase keys",
            source: "meshlog's own list of key spellings seen in hand-written Envoy json_format configurations",
            kind: .json(envoyJSONKeys, required: ["response_code", "RESPONSE_CODE", "status", "status_code", "responseCode", "code", "duration", "DURATION"]),
            samples: [
                #"{"START_TIME":"2026-11-25T08:00:00.125Z","REQ(:METHOD)":"GET","REQ(X-ENVOY-ORIGINAL-PATH?:PATH)":"/api/v1/courses","PROTOCOL":"HTTP/1.1","RESPONSE_CODE":200,"RESPONSE_FLAGS":"-","BYTES_RECEIVED":0,"BYTES_SENT":18231,"DURATION":31,"x-request-id":"5e0d7c4a-1f2b-4c3d-8e9f-0a1b2c3d4e5f","UPSTREAM_HOST":"10.244.0.30:8080"}"#,
                #"{"timestamp":"2026-11-25T08:00:01.9+01:00","method":"POST","path":"/api/v1/enroll","status":503,"flags":"UO","duration_ms":0,"upstreamCluster":"enrollment","labels":{"team":"learning"}}"#,
            ]
        ),
    ]

    /// The preset with this name, if any.
    public static func preset(named name: String) -> FormatPreset? {
        presets.first { $0.name == name }
    }
}
