package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecipientPatternTest {

    @Test
    void cyclesThroughTheTenantsWithAMailboxPerMessage() {
        RecipientPattern pattern = new RecipientPattern(RecipientPattern.DEFAULT, 10);

        assertThat(pattern.addressFor(0)).isEqualTo("user0@tenant1.helpdesk.localhost");
        assertThat(pattern.addressFor(9)).isEqualTo("user9@tenant10.helpdesk.localhost");
        assertThat(pattern.addressFor(10)).isEqualTo("user10@tenant1.helpdesk.localhost");
    }

    @Test
    void aPatternWithoutPlaceholdersIsOneAddress() {
        assertThat(new RecipientPattern("support@helpdesk.localhost", 3).addressFor(5)).isEqualTo("support@helpdesk.localhost");
    }

    @Test
    void refusesSomethingThatIsNoAddress() {
        assertThatThrownBy(() -> new RecipientPattern("tenant{k}.helpdesk.localhost", 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
