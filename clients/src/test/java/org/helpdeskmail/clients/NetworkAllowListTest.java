package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class NetworkAllowListTest {

    @Test
    void containsAddressesInsideAnyBlockOnly() throws Exception {
        NetworkAllowList list = NetworkAllowList.parse("127.0.0.0/8, 10.1.2.0/23,192.168.7.9");

        assertThat(list.contains(InetAddress.getByName("127.0.0.3"))).isTrue();
        assertThat(list.contains(InetAddress.getByName("10.1.3.255"))).isTrue();
        assertThat(list.contains(InetAddress.getByName("10.1.4.0"))).isFalse();
        assertThat(list.contains(InetAddress.getByName("192.168.7.9"))).isTrue();
        assertThat(list.contains(InetAddress.getByName("192.168.7.10"))).isFalse();
        assertThat(list.contains(InetAddress.getByName("::1"))).isFalse();
    }

    @Test
    void handlesIpv6Blocks() throws Exception {
        NetworkAllowList list = NetworkAllowList.parse("fd00::/8");

        assertThat(list.contains(InetAddress.getByName("fd12::1"))).isTrue();
        assertThat(list.contains(InetAddress.getByName("fe80::1"))).isFalse();
    }

    @Test
    void rejectsEntriesThatAreNotCidrBlocks() {
        assertThatThrownBy(() -> NetworkAllowList.parse("127.0.0.0/8,intranet"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'intranet'");
        assertThatThrownBy(() -> NetworkAllowList.parse("10.0.0.0/33"))
            .hasMessageContaining("0..32");
        assertThatThrownBy(() -> NetworkAllowList.parse("10.0.0.0/x"))
            .hasMessageContaining("not a number");
        assertThatThrownBy(() -> NetworkAllowList.parse(" , "))
            .hasMessageContaining("no network");
    }

    @Test
    void printsAsCommaSeparatedBlocks() {
        assertThat(NetworkAllowList.parse("127.0.0.0/8, 10.0.0.1").toString()).isEqualTo("127.0.0.0/8,10.0.0.1/32");
    }
}
