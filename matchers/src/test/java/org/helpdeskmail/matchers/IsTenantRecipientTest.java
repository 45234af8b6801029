package org.helpdeskmail.matchers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.junit.jupiter.api.Test;

class IsTenantRecipientTest {
    @Test
    void matchesOnlyTenantMailboxes() throws Exception {
        IsTenantRecipient matcher = new IsTenantRecipient(new HelpdeskDomains(List.of("jitbit.com")));
        matcher.init(FakeMatcherConfig.builder().matcherName("IsTenantRecipient").build());
        FakeMail mail = FakeMail.builder().name("mail")
            .recipients("support@acme.jitbit.com", "postmaster@jitbit.com", "someone@example.org", "billing@beta.jitbit.com")
            .build();

        assertThat(matcher.match(mail)).containsExactlyInAnyOrder(
            new MailAddress("support@acme.jitbit.com"), new MailAddress("billing@beta.jitbit.com"));
    }
}
