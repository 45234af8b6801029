package org.helpdeskmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.StringReader;
import java.util.List;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.XMLConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.io.FileHandler;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.helpdeskmail.clients.HelpdeskDomains;
import org.junit.jupiter.api.Test;

class SenderDomainAuthorizationTest {
    private static final HelpdeskDomains HELPDESK_DOMAINS = new HelpdeskDomains(List.of("helpdesk.example", "Other-Helpdesk.example"));

    /** Reads the handler's block as James does: an XML configuration, lists not split. */
    private static SenderDomainAuthorization configured(String handlerBody) throws ConfigurationException {
        XMLConfiguration configuration = new XMLConfiguration();
        new FileHandler(configuration).load(new StringReader("<handler>" + handlerBody + "</handler>"));
        SenderDomainAuthorization hook = new SenderDomainAuthorization(HELPDESK_DOMAINS);
        hook.init(configuration);
        return hook;
    }

    private static SMTPSession authenticatedAs(String user) {
        SMTPSession session = mock(SMTPSession.class);
        when(session.getUsername()).thenReturn(Username.of(user));
        return session;
    }

    private static MaybeSender sender(String address) throws Exception {
        return MaybeSender.of(new MailAddress(address));
    }

    private static void assertRefused(HookResult result, String code, String enhancedCode, String... mentions) {
        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo(code);
        assertThat(result.getSmtpDescription()).startsWith(enhancedCode + " ").contains(mentions);
    }

    @Test
    void refusesMailBeforeAuthenticationWith530() throws Exception {
        HookResult result = configured("").doMail(mock(SMTPSession.class), sender("app@helpdesk.example"));

        assertRefused(result, "530", "5.7.0", "Authentication required");
    }

    @Test
    void everyUserMaySendForTheHelpdeskDomainsAndTheirSubdomains() throws Exception {
        SenderDomainAuthorization hook = configured("");
        SMTPSession session = authenticatedAs("app@notify.example");

        assertThat(hook.doMail(session, sender("noreply@helpdesk.example"))).isEqualTo(HookResult.DECLINED);
        assertThat(hook.doMail(session, sender("support@acme.helpdesk.example"))).isEqualTo(HookResult.DECLINED);
        assertThat(hook.doMail(session, sender("support@acme.other-helpdesk.example"))).isEqualTo(HookResult.DECLINED);
        assertThat(hook.doMail(session, sender("Support@ACME.Helpdesk.Example"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void aUserMaySendForItsOwnDomain() throws Exception {
        SenderDomainAuthorization hook = configured("");

        assertThat(hook.doMail(authenticatedAs("app@notify.example"), sender("billing@notify.example"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void refusesForeignDomainsNamingDomainAndUser() throws Exception {
        SenderDomainAuthorization hook = configured("");
        SMTPSession session = authenticatedAs("app@notify.example");

        assertRefused(hook.doMail(session, sender("ceo@bank.example")), "550", "5.7.1", "bank.example", "app@notify.example");
        // A suffix that is not a parent domain is another domain.
        assertRefused(hook.doMail(session, sender("a@evilhelpdesk.example")), "550", "5.7.1", "evilhelpdesk.example");
        assertRefused(hook.doMail(session, sender("a@helpdesk.example.evil.example")), "550", "5.7.1", "helpdesk.example.evil.example");
    }

    @Test
    void refusesTheNullSender() throws Exception {
        HookResult result = configured("").doMail(authenticatedAs("app@helpdesk.example"), MaybeSender.nullSender());

        assertRefused(result, "550", "5.7.1", "<>", "app@helpdesk.example");
    }

    @Test
    void perUserDomainsAreForThatUserOnly() throws Exception {
        SenderDomainAuthorization hook = configured(
            "<user name=\"App@Helpdesk.example\">customer.example, other.example</user>"
                + "<user name=\"app@helpdesk.example\">third.example</user>"
                + "<user name=\"reports@helpdesk.example\">reports.example</user>");
        SMTPSession app = authenticatedAs("app@helpdesk.example");
        SMTPSession reports = authenticatedAs("reports@helpdesk.example");

        assertThat(hook.doMail(app, sender("support@customer.example"))).isEqualTo(HookResult.DECLINED);
        assertThat(hook.doMail(app, sender("support@mail.other.example"))).isEqualTo(HookResult.DECLINED);
        assertThat(hook.doMail(app, sender("support@third.example"))).as("repeated <user> adds").isEqualTo(HookResult.DECLINED);
        assertRefused(hook.doMail(app, sender("x@reports.example")), "550", "5.7.1", "reports.example");
        assertThat(hook.doMail(reports, sender("x@reports.example"))).isEqualTo(HookResult.DECLINED);
        assertRefused(hook.doMail(reports, sender("support@customer.example")), "550", "5.7.1", "reports@helpdesk.example");
    }

    @Test
    void domainsElementAddsDomainsForEveryUser() throws Exception {
        SenderDomainAuthorization hook = configured("<domains>notify.example, mail.example</domains><domains>third.example</domains>");

        assertThat(hook.authorizations().everyUser())
            .containsExactlyInAnyOrder("helpdesk.example", "other-helpdesk.example", "notify.example", "mail.example", "third.example");
        assertThat(hook.doMail(authenticatedAs("a@helpdesk.example"), sender("x@mail.example"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void readsTheSameFromAHierarchicalConfigurationBuiltInCode() throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty("user", "customer.example");
        configuration.addProperty("user[@name]", "app@helpdesk.example");
        SenderDomainAuthorization hook = new SenderDomainAuthorization(HELPDESK_DOMAINS);
        hook.init(configuration);

        assertThat(hook.doMail(authenticatedAs("app@helpdesk.example"), sender("x@customer.example"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void failsConfigurationNamingTheElement() {
        assertThatThrownBy(() -> configured("<domains>bad_domain.example</domains>"))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("<domains>").hasMessageContaining("'bad_domain.example'");
        assertThatThrownBy(() -> configured("<user>customer.example</user>")).hasMessageContaining("name attribute");
        assertThatThrownBy(() -> configured("<user name=\"app@helpdesk.example\"> , </user>"))
            .hasMessageContaining("<user name=\"app@helpdesk.example\">").hasMessageContaining("no domain");
        assertThatThrownBy(() -> configured("<user name=\"app@helpdesk.example\">customer.example, *.example</user>"))
            .hasMessageContaining("'*.example'");
    }
}
