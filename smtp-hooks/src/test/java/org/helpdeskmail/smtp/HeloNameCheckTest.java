package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

class HeloNameCheckTest {

    private static HeloNameCheck configured(String... keysAndValues) throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            configuration.addProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        HeloNameCheck check = new HeloNameCheck();
        check.init(configuration);
        return check;
    }

    /** A session that keeps its attachments, as James's does. */
    private static SMTPSession sessionFrom(String ip) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getRemoteAddress()).thenReturn(new InetSocketAddress(InetAddresses.forString(ip), 40000));
        Map<Object, Object> attachments = new HashMap<>();
        doAnswer(invocation -> Optional.ofNullable(attachments.put(invocation.getArgument(0), invocation.getArgument(1))))
            .when(session).setAttachment(any(), any(), any());
        doAnswer(invocation -> Optional.ofNullable(attachments.get(invocation.getArgument(0))))
            .when(session).getAttachment(any(), any());
        return session;
    }

    @Test
    void acceptsFullyQualifiedDomainNames() {
        for (String name : new String[] {"mail.example.com", "MX1.Example.ORG", "a-b.c-d.example", "mail.example.com.",
            "xn--bcher-kva.example", "1st.example", "a".repeat(63) + ".example"}) {
            assertThat(HeloNameCheck.problem(name)).as(name).isEmpty();
        }
    }

    @Test
    void acceptsAddressLiterals() {
        for (String literal : new String[] {"[192.0.2.1]", "[IPv6:2001:db8::1]", "[ipv6:::1]", "[IPv6:::ffff:192.0.2.1]",
            "[IPv6:2001:0db8:0000:0000:0000:0000:0000:0001]"}) {
            assertThat(HeloNameCheck.problem(literal)).as(literal).isEmpty();
        }
    }

    @Test
    void refusesEverythingElse() {
        for (String name : new String[] {"", "localhost", "mail", "192.0.2.1", "host.123", "-mail.example.com", "mail-.example.com",
            "mail..example.com", ".example.com", "mail_server.example.com", "exa mple.com", "mail.exämple.com", "a".repeat(64) + ".example",
            ("a".repeat(60) + ".").repeat(5) + "example", "[192.0.2.256]", "[192.0.2]", "[192.0.2.1", "[]", "[2001:db8::1]",
            "[IPv6:192.0.2.1]", "[IPv6:fe80::1%eth0]", "[IPv6:2001:db8::g]", "[mail.example.com]"}) {
            assertThat(HeloNameCheck.problem(name)).as(name).isPresent();
        }
    }

    @Test
    void recordsAnInvalidNameWithoutRefusingByDefault() throws Exception {
        SMTPSession session = sessionFrom("192.0.2.1");

        assertThat(configured().doHelo(session, "localhost")).isEqualTo(HookResult.DECLINED);

        assertThat(HeloNameCheck.invalidHelo(session)).isTrue();
        assertThat(HeloNameCheck.verdict(session)).hasValueSatisfying(verdict -> {
            assertThat(verdict.name()).isEqualTo("localhost");
            assertThat(verdict.problem()).isEqualTo("not a fully qualified domain name");
        });
    }

    @Test
    void refusesAnInvalidNameWith501WhenConfigured() throws Exception {
        SMTPSession session = sessionFrom("192.0.2.1");

        HookResult result = configured("reject", "true").doHelo(session, "192.0.2.1");

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("501");
        assertThat(result.getSmtpDescription()).startsWith("5.5.2 Invalid HELO/EHLO name");
        assertThat(HeloNameCheck.invalidHelo(session)).isTrue();
    }

    @Test
    void acceptsAndRecordsAValidNameWhenRejecting() throws Exception {
        SMTPSession session = sessionFrom("192.0.2.1");

        assertThat(configured("reject", "true").doHelo(session, "mail.sender.example")).isEqualTo(HookResult.DECLINED);
        assertThat(configured("reject", "true").doHelo(session, "[IPv6:2001:db8::1]")).isEqualTo(HookResult.DECLINED);

        assertThat(HeloNameCheck.invalidHelo(session)).isFalse();
        assertThat(HeloNameCheck.verdict(session)).hasValueSatisfying(verdict -> assertThat(verdict.valid()).isTrue());
    }

    @Test
    void skipsAllowListedNetworksAndAuthenticatedSessions() throws Exception {
        HeloNameCheck check = configured("reject", "true", "allowList", "10.0.0.0/8, 2001:db8::/32");
        SMTPSession allowListed = sessionFrom("2001:db8::5");
        SMTPSession authenticated = sessionFrom("192.0.2.1");
        when(authenticated.getUsername()).thenReturn(Username.of("app@notify.example"));

        assertThat(check.doHelo(allowListed, "laptop")).isEqualTo(HookResult.DECLINED);
        assertThat(check.doHelo(authenticated, "laptop")).isEqualTo(HookResult.DECLINED);
        assertThat(check.doHelo(sessionFrom("192.0.2.1"), "laptop").getSmtpRetCode()).isEqualTo("501");
        assertThat(HeloNameCheck.verdict(allowListed)).isEmpty();
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured("reject", "sometimes")).hasMessageContaining("<reject>");
        assertThatThrownBy(() -> configured("allowList", "10.0.0.0/8, office")).hasMessageContaining("<allowList>").hasMessageContaining("office");
    }
}
