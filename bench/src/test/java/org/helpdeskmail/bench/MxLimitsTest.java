package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MxLimitsTest {
    private static final String XML = """
        <smtpservers>
            <!-- <smtpserver><connectionLimit>1</connectionLimit></smtpserver> -->
            <smtpserver enabled="true">
                <jmxName>submission</jmxName>
                <connectionLimit>200</connectionLimit>
                <connectionLimitPerIP>0</connectionLimitPerIP>
            </smtpserver>
            <smtpserver enabled="true">
                <jmxName>mx</jmxName>
                <connectionBacklog>200</connectionBacklog>
                <connectionLimit>500</connectionLimit>
                <connectionLimitPerIP>20</connectionLimitPerIP>
                <handlerchain>
                    <handler class="org.helpdeskmail.smtp.Throttling">
                        <connectionsPerMinute>300</connectionsPerMinute>
                    </handler>
                </handlerchain>
            </smtpserver>
        </smtpservers>
        """;

    @Test
    void readsTheLimitsOfTheMxListener() {
        assertThat(MxLimits.parse(XML)).isEqualTo(new MxLimits(500, 20, 200, 300));
    }

    @Test
    void theDefaultBurstsStayUnderTheLimitsAndLargerOnesSayWhichTheyMeet() {
        MxLimits limits = MxLimits.parse(XML);

        assertThat(limits.limitsMet(300, 10, 2)).isEmpty();
        assertThat(limits.limitsMet(600, 30, 11)).containsExactly(
            "600 connections at once > connectionLimit 500",
            "30 connections per address > connectionLimitPerIP 20",
            "330 connections per address within a minute > Throttling connectionsPerMinute 300");
    }

    @Test
    void zeroOrAMissingElementIsNoLimit() {
        MxLimits limits = MxLimits.parse("<smtpserver><connectionLimitPerIP>0</connectionLimitPerIP></smtpserver>");

        assertThat(limits).isEqualTo(new MxLimits(null, 0, null, null));
        assertThat(limits.limitsMet(10_000, 1_000, 100)).isEmpty();
    }
}
