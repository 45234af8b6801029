package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressPatternTest {

    @Test
    void cyclesThroughTheTenantsWithAMailboxPerMessage() {
        AddressPattern pattern = new AddressPattern(AddressPattern.DEFAULT_RECIPIENTS, 10);

        assertThat(pattern.addressFor(0)).isEqualTo("user0@tenant1.helpdesk.localhost");
        assertThat(pattern.addressFor(9)).isEqualTo("user9@tenant10.helpdesk.localhost");
        assertThat(pattern.addressFor(10)).isEqualTo("user10@tenant1.helpdesk.localhost");
    }

    @Test
    void aPatternWithoutPlaceholdersIsOneAddress() {
        assertThat(new AddressPattern("support@helpdesk.localhost", 3).addressFor(5)).isEqualTo("support@helpdesk.localhost");
    }

    @Test
    void theDomainIsThePartAfterTheAt() {
        assertThat(new AddressPattern(AddressPattern.DEFAULT_SENDERS, 1).domain()).isEqualTo("customer-corp.example");
        assertThatThrownBy(() -> new AddressPattern("x@tenant{k}.example", 2).domain()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesSomethingThatIsNoAddress() {
        assertThatThrownBy(() -> new AddressPattern("tenant{k}.helpdesk.localhost", 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
