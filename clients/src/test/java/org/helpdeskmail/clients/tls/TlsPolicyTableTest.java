package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TlsPolicyTableTest {
    @Test
    void exactEntriesApplyToTheirDomainOnly() {
        TlsPolicyTable table = TlsPolicyTable.parse("example.com verify, bank.example encrypt");

        assertThat(table.policyFor("example.com")).contains(TlsPolicy.VERIFY);
        assertThat(table.policyFor("EXAMPLE.com.")).contains(TlsPolicy.VERIFY);
        assertThat(table.policyFor("bank.example")).contains(TlsPolicy.ENCRYPT);
        assertThat(table.policyFor("mail.example.com")).isEmpty();
        assertThat(table.policyFor("example.org")).isEmpty();
    }

    @Test
    void dotEntriesApplyToSubdomainsAndTheNearestParentWins() {
        TlsPolicyTable table = TlsPolicyTable.parse("""
                .example.com encrypt   # every subdomain
                .eu.example.com verify
                legacy.eu.example.com none
                """);

        assertThat(table.policyFor("mail.example.com")).contains(TlsPolicy.ENCRYPT);
        assertThat(table.policyFor("a.b.example.com")).contains(TlsPolicy.ENCRYPT);
        assertThat(table.policyFor("mx.eu.example.com")).contains(TlsPolicy.VERIFY);
        assertThat(table.policyFor("legacy.eu.example.com")).contains(TlsPolicy.NONE);
        assertThat(table.policyFor("example.com")).isEmpty();
    }

    @Test
    void policyNamesIgnoreCaseAndBlankTextIsEmpty() {
        assertThat(TlsPolicyTable.parse("example.com MAY").policyFor("example.com")).contains(TlsPolicy.MAY);
        assertThat(TlsPolicyTable.parse("  \n # nothing\n").isEmpty()).isTrue();
        assertThat(TlsPolicyTable.parse("a.example may,\nb.example none").toString()).isEqualTo("a.example may, b.example none");
    }

    @Test
    void errorsNameTheEntryAndTheProblem() {
        assertThatThrownBy(() -> TlsPolicyTable.parse("example.com verify, bank.example encyrpt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entry 2 'bank.example encyrpt'")
                .hasMessageContaining("unknown TLS policy 'encyrpt'")
                .hasMessageContaining("none, may, encrypt, verify");
        assertThatThrownBy(() -> TlsPolicyTable.parse("example.com"))
                .hasMessageContaining("entry 1 'example.com': expected '<domain> <policy>'");
        assertThatThrownBy(() -> TlsPolicyTable.parse("exa mple.com verify"))
                .hasMessageContaining("expected '<domain> <policy>'");
        assertThatThrownBy(() -> TlsPolicyTable.parse("ex_ample.com verify"))
                .hasMessageContaining("'ex_ample.com' is not a domain name");
        assertThatThrownBy(() -> TlsPolicyTable.parse("example.com verify\nExample.COM may"))
                .hasMessageContaining("entry 2 'Example.COM may': 'example.com' already has an entry");
    }
}
