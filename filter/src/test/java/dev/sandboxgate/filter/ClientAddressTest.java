package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientAddressTest {

    private static ClientAddress trusting(String proxies) {
        return ClientAddress.from(Settings.of("gate", Map.of("trusted-proxies", proxies)::get, n -> null, n -> null));
    }

    private static HttpServletRequest request(String peer, String... forwardedFor) {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getRemoteAddr" -> peer;
                    case "getHeaders" -> Collections.enumeration(
                            "X-Forwarded-For".equalsIgnoreCase((String) args[0]) ? List.of(forwardedFor) : List.of());
                    default -> null;
                });
    }

    @Test
    void withoutTrustedProxiesTheSocketPeerIsTheClient() {
        ClientAddress none = ClientAddress.from(Settings.of("gate", n -> null, n -> null, n -> null));
        assertThat(none.resolve(request("192.0.2.10", "203.0.113.5"))).isEqualTo("192.0.2.10");
    }

    @Test
    void anUntrustedPeersForwardedForIsIgnored() {
        assertThat(trusting("10.0.0.0/8").resolve(request("192.0.2.10", "203.0.113.5"))).isEqualTo("192.0.2.10");
    }

    @Test
    void walksFromTheRightSkippingTrustedProxies() {
        ClientAddress address = trusting("10.0.0.0/8, 192.168.1.1");

        assertThat(address.resolve(request("10.0.0.2", "198.51.100.1, 203.0.113.5, 192.168.1.1")))
                .as("the spoofed 198.51.100.1 on the left is never reached").isEqualTo("203.0.113.5");
        assertThat(address.resolve(request("10.0.0.2", "198.51.100.1", "203.0.113.5, 10.9.9.9")))
                .as("over several header lines").isEqualTo("203.0.113.5");
        assertThat(address.resolve(request("10.0.0.2", "10.1.1.1, 10.2.2.2"))).as("all trusted: the leftmost")
                .isEqualTo("10.1.1.1");
        assertThat(address.resolve(request("10.0.0.2"))).as("no header").isEqualTo("10.0.0.2");
    }

    @Test
    void aNonAddressEndsTheWalkAtTheLastProxyThatVouched() {
        ClientAddress address = trusting("10.0.0.0/8");

        assertThat(address.resolve(request("10.0.0.2", "203.0.113.5, unknown, 10.0.0.7"))).isEqualTo("10.0.0.7");
        assertThat(address.resolve(request("10.0.0.2", "example.com"))).as("never resolved").isEqualTo("10.0.0.2");
    }

    @Test
    void readsIpv6AndPortsAndNormalisesTheText() {
        ClientAddress address = trusting("fd00::/8, 127.0.0.1");

        assertThat(address.resolve(request("fd00::1", "[2001:db8::1]:4711"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(address.resolve(request("fd00::1", "2001:DB8:0::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(address.resolve(request("127.0.0.1", "203.0.113.5:8443"))).isEqualTo("203.0.113.5");
        assertThat(address.resolve(request("fd00::1", "fe80::1%eth0"))).as("zone ids are not literals here")
                .isEqualTo("fd00:0:0:0:0:0:0:1");
    }

    @Test
    void literalsOnly() {
        assertThat(ClientAddress.literal("256.1.1.1")).isNull();
        assertThat(ClientAddress.literal("1.2.3")).isNull();
        assertThat(ClientAddress.literal("")).isNull();
        assertThat(ClientAddress.literal("localhost")).isNull();
        assertThat(ClientAddress.literal("::ffff:192.0.2.1").getHostAddress()).isEqualTo("192.0.2.1");
    }
}
