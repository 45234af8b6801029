package org.helpdeskmail.clients.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class ReportFieldsTest {
    @Test
    void groupsAreSeparatedByBlankLinesAndContinuationLinesJoined() {
        List<ReportFields> groups = ReportFields.parse("""
            Reporting-MTA: dns; mail.example.org
            Arrival-Date: Tue, 12 Mar 2024 10:15:01 +0100
            \s\s
            Final-Recipient: rfc822; a@example.com
            Action: failed
            Diagnostic-Code: smtp; 550 5.1.1 <a@example.com>: Recipient
                address rejected
            """);

        assertThat(groups).hasSize(2);
        assertThat(groups.get(0).first("reporting-mta")).contains("dns; mail.example.org");
        assertThat(groups.get(1).typed("final-recipient")).contains("a@example.com");
        assertThat(groups.get(1).typed("diagnostic-code")).contains("550 5.1.1 <a@example.com>: Recipient address rejected");
    }

    @Test
    void aRepeatedRecipientFieldStartsANewGroupWhenTheBlankLineIsMissing() {
        List<ReportFields> groups = ReportFields.parse("""
            Reporting-MTA: dns; mail.example.org
            Final-Recipient: rfc822;a@example.com
            Original-Recipient: rfc822;alias@example.com
            Action: failed
            Status: 5.1.1
            Final-Recipient: rfc822;b@example.com
            Action: delayed
            Status: 4.4.1
            """);

        assertThat(DeliveryStatusParts.recipients(groups))
            .extracting(BouncedRecipient::address, BouncedRecipient::classification)
            .containsExactly(
                org.assertj.core.api.Assertions.tuple("alias@example.com", Classification.HARD),
                org.assertj.core.api.Assertions.tuple("b@example.com", Classification.DELAYED));
    }

    @Test
    void linesThatAreNotFieldsAreIgnored() {
        List<ReportFields> groups = ReportFields.parse("garbage line without colon\nFeedback-Type: abuse\n:::\n");

        assertThat(groups).singleElement().satisfies(group -> {
            assertThat(group.first("feedback-type")).contains("abuse");
            assertThat(group.fields()).hasSize(1);
        });
    }

    @Test
    void typedValuesLoseTheirType() {
        assertThat(ReportFields.withoutType("RFC822; <a@example.com>")).isEqualTo("<a@example.com>");
        assertThat(ReportFields.withoutType("a@example.com")).isEqualTo("a@example.com");
        assertThat(ReportFields.withoutType("smtp;550 5.1.1 x; y")).isEqualTo("550 5.1.1 x; y");
    }
}
