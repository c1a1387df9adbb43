@testable import MeshLogIngest
import Testing

/// The IPv4 addresses that tell pods apart, read from an address field.
@Suite("own addresses")
struct AddressReportersTests {
    static func ip(_ text: String) -> String? {
        Array(text.utf8).withUnsafeBufferPointer { AddressReporters.ipv4($0) }.map(AddressReporters.dotted)
    }

    @Test func ipv4AddressesWithOrWithoutAPort() {
        #expect(Self.ip("10.244.3.13:8080") == "10.244.3.13")
        #expect(Self.ip("10.244.3.13") == "10.244.3.13")
        #expect(Self.ip("192.168.0.255:0") == "192.168.0.255")
    }

    @Test func notAPodsOwnAddress() {
        for text in ["[fd00::1]:8080", "fd00::1", "127.0.0.6:51088", "127.0.0.1:15000", "0.0.0.0:8080", "-", "",
                     "1.2.3:80", "1.2.3.4.5:80", "256.1.1.1:80", "1..2.3:80", "course:8080", "10.2.3.4x:80"] {
            #expect(Self.ip(text) == nil, "\(text)")
        }
    }
}
