package org.helpdeskmail.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Through a small mailet configured as James configures one. */
class MailetParametersTest {

    /** Reads its parameters in init(), as every mailet of ours does. */
    private static final class ConfiguredMailet extends GenericMailet {
        @Override
        public void service(Mail mail) {
            // only the configuration matters here
        }
    }

    @Test
    void textIsTrimmedAndDefaulted() throws Exception {
        MailetParameters parameters = parameters("name", "  value with spaces inside \n");

        assertThat(parameters.text("name", "default")).isEqualTo("value with spaces inside");
        assertThat(parameters.text("absent", " default ")).isEqualTo("default");
    }

    @Test
    void readsDurationsInJamesNotation() throws Exception {
        MailetParameters parameters = parameters("short", "30 seconds", "long", "2 days", "abbreviated", "5m");

        assertThat(parameters.duration("short", "1 second")).isEqualTo(Duration.ofSeconds(30));
        assertThat(parameters.duration("long", "1 second")).isEqualTo(Duration.ofDays(2));
        assertThat(parameters.duration("abbreviated", "1 second")).isEqualTo(Duration.ofMinutes(5));
        assertThat(parameters.duration("absent", "3 minutes")).isEqualTo(Duration.ofMinutes(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "0 seconds", "-5 seconds", "5 fortnights", ""})
    void aDurationThatIsNotAPositiveDurationNamesTheMailetAndTheParameter(String value) throws Exception {
        MailetParameters parameters = parameters("readTimeout", value);

        assertThatThrownBy(() -> parameters.duration("readTimeout", "5 minutes"))
            .isInstanceOf(MessagingException.class)
            .hasMessage("TestMailet: <readTimeout> '" + value.trim() + "' is not a duration such as '30 seconds'");
    }

    @Test
    void readsSizes() throws Exception {
        MailetParameters parameters = parameters("maxSize", "40M", "small", "512k");

        assertThat(parameters.size("maxSize", "1M")).isEqualTo(40L * 1024 * 1024);
        assertThat(parameters.size("small", "1M")).isEqualTo(512L * 1024);
        assertThat(parameters.size("absent", "2000")).isEqualTo(2000L);
    }

    @Test
    void aBadSizeNamesTheMailetAndTheParameter() throws Exception {
        MailetParameters parameters = parameters("maxSize", "big");

        assertThatThrownBy(() -> parameters.size("maxSize", "1M"))
            .isInstanceOf(MessagingException.class)
            .hasMessage("TestMailet: <maxSize> 'big' is not a size such as '40M'");
    }

    @Test
    void readsWholeNumbersWithinTheirRange() throws Exception {
        MailetParameters parameters = parameters("port", " 2525 ", "lowest", "1", "highest", "65535");

        assertThat(parameters.integer("port", 25, 1, 65_535)).isEqualTo(2525);
        assertThat(parameters.integer("lowest", 25, 1, 65_535)).isEqualTo(1);
        assertThat(parameters.integer("highest", 25, 1, 65_535)).isEqualTo(65_535);
        assertThat(parameters.integer("absent", 25, 1, 65_535)).isEqualTo(25);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65536", "-1", "25.5", "twenty", "99999999999"})
    void aNumberOutOfRangeOrNotANumberNamesTheRange(String value) throws Exception {
        MailetParameters parameters = parameters("port", value);

        assertThatThrownBy(() -> parameters.integer("port", 25, 1, 65_535))
            .isInstanceOf(MessagingException.class)
            .hasMessage("TestMailet: <port> '" + value + "' is not a whole number from 1 to 65535");
    }

    @Test
    void readsARetryPolicy() throws Exception {
        MailetParameters parameters = parameters("initialDelay", "1 minute", "maxAge", "2 days");

        RetryPolicy policy = parameters.retryPolicy("5 minutes", "2 hours", "5 days");

        assertThat(policy).isEqualTo(new RetryPolicy(Duration.ofMinutes(1), Duration.ofHours(2), Duration.ofDays(2)));
    }

    @Test
    void aRetryPolicyWhoseMaximumDelayIsShorterThanItsFirstIsRefused() throws Exception {
        MailetParameters parameters = parameters("initialDelay", "3 hours");

        assertThatThrownBy(() -> parameters.retryPolicy("5 minutes", "2 hours", "5 days"))
            .isInstanceOf(MessagingException.class)
            .hasMessage("TestMailet: maxDelay must not be shorter than initialDelay");
    }

    @Test
    void aBadRetryParameterIsNamed() throws Exception {
        MailetParameters parameters = parameters("maxAge", "forever");

        assertThatThrownBy(() -> parameters.retryPolicy("5 minutes", "2 hours", "5 days"))
            .isInstanceOf(MessagingException.class)
            .hasMessageStartingWith("TestMailet: <maxAge> 'forever'");
    }

    private static MailetParameters parameters(String... namesAndValues) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("TestMailet");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            config.setProperty(namesAndValues[i], namesAndValues[i + 1]);
        }
        ConfiguredMailet mailet = new ConfiguredMailet();
        mailet.init(config.build());
        return new MailetParameters(mailet);
    }
}
