package org.helpdeskmail.clients.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.james.core.MailAddress;
import org.junit.jupiter.api.Test;

class BounceAddressesTest {
    private final BounceAddresses addresses = new BounceAddresses("Bounce.Example.ORG", "Returns");

    @Test
    void buildsTheAddressInLowerCase() {
        assertThat(addresses.address("abc234")).isEqualTo("returns+abc234@bounce.example.org");
    }

    @Test
    void readsTheTokenWhateverTheCase() throws Exception {
        assertThat(addresses.token(new MailAddress("RETURNS+ABC234@BOUNCE.example.org"))).contains("abc234");
        assertThat(addresses.isReturnPath(new MailAddress("returns+abc234@bounce.example.org"))).isTrue();
    }

    @Test
    void otherAddressesHaveNoToken() throws Exception {
        assertThat(addresses.token(new MailAddress("returns+abc@example.org"))).isEmpty();
        assertThat(addresses.token(new MailAddress("returns@bounce.example.org"))).isEmpty();
        assertThat(addresses.token(new MailAddress("returns+@bounce.example.org"))).isEmpty();
        assertThat(addresses.token(new MailAddress("returnsx+abc@bounce.example.org"))).isEmpty();
        assertThat(addresses.token(new MailAddress("bounces+abc@bounce.example.org"))).isEmpty();
        assertThat(addresses.isReturnPath(new MailAddress("postmaster@bounce.example.org"))).isFalse();
    }
}
