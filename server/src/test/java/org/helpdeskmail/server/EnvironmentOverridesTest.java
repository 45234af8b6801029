package org.helpdeskmail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class EnvironmentOverridesTest {

    @Test
    void absentAndBlankVariablesOverrideNothing() {
        EnvironmentOverrides overrides = EnvironmentOverrides.from(Map.of("HELPDESK_MX_BIND", "  "));

        assertThat(overrides.mxBind()).isEmpty();
        assertThat(overrides.domains()).isEmpty();
    }

    @Test
    void parsesEveryKindOfValue() {
        EnvironmentOverrides overrides = EnvironmentOverrides.from(Map.of(
            "HELPDESK_DOMAINS", "Jitbit.com, helpdesk.example",
            "HELPDESK_MX_BIND", "0.0.0.0:25",
            "HELPDESK_DNS_SERVERS", "127.0.0.1:5353, 10.0.0.2",
            "HELPDESK_SUBMISSION_NETWORKS", "10.0.0.0/8",
            "HELPDESK_CLAMD_ADDRESS", "/run/clamav/clamd.ctl"));

        assertThat(overrides.domains()).contains(List.of("jitbit.com", "helpdesk.example"));
        assertThat(overrides.mxBind()).contains(new ListenAddress("0.0.0.0", 25));
        assertThat(overrides.dnsServers()).contains(List.of(new DnsServerAddress("127.0.0.1", 5353), new DnsServerAddress("10.0.0.2", 53)));
        assertThat(overrides.submissionNetworks().orElseThrow().toString()).isEqualTo("10.0.0.0/8");
        assertThat(overrides.clamdAddress()).contains("/run/clamav/clamd.ctl");
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> EnvironmentOverrides.from(Map.of("HELPDESK_WEBADMIN_BIND", "127.0.0.1:admin")))
            .isInstanceOf(BadConfigurationException.class)
            .hasMessage("environment: HELPDESK_WEBADMIN_BIND: port 'admin' of '127.0.0.1:admin' is not a number");
        assertThatThrownBy(() -> EnvironmentOverrides.from(Map.of("HELPDESK_WEBHOOK_URL", "ftp://app/inbound")))
            .hasMessageContaining("HELPDESK_WEBHOOK_URL").hasMessageContaining("http://");
        assertThatThrownBy(() -> EnvironmentOverrides.from(Map.of("HELPDESK_DOMAINS", "ok.example,bad_domain")))
            .hasMessageContaining("HELPDESK_DOMAINS").hasMessageContaining("'bad_domain'");
        assertThatThrownBy(() -> EnvironmentOverrides.from(Map.of("HELPDESK_WEBHOOK_SECRET", "short")))
            .hasMessageContaining("HELPDESK_WEBHOOK_SECRET").hasMessageNotContaining("short'");
        assertThatThrownBy(() -> EnvironmentOverrides.from(Map.of("HELPDESK_MX_BIND", "127.0.0.1:70000")))
            .hasMessageContaining("above 65535");
        assertThatThrownBy(() -> EnvironmentOverrides.from(Map.of("HELPDESK_CLAMD_ADDRESS", "clamd")))
            .hasMessageContaining("HELPDESK_CLAMD_ADDRESS");
    }
}
