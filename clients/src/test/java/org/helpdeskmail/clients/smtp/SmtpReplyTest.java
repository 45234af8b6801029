package org.helpdeskmail.clients.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmtpReplyTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "250 | 2.1.5 recipient ok         | 2.1.5   | recipient ok",
        "550 | 5.1.1                      | 5.1.1   | ''",
        "451 | 4.123.456 greylisted        | 4.123.456 | greylisted",
        "550 | 4.2.2 mailbox full         | ''      | 4.2.2 mailbox full",
        "250 | 5.0.0 odd                  | ''      | 5.0.0 odd",
        "550 | 5.1.1user unknown          | ''      | 5.1.1user unknown",
        "550 | 5.1234.1 too many digits   | ''      | 5.1234.1 too many digits",
        "550 | 3.1.1 no such class        | ''      | 3.1.1 no such class",
        "550 | user unknown 5.1.1         | ''      | user unknown 5.1.1",
    })
    void takesTheEnhancedStatusOnlyAtTheStartAndOfTheSameClass(int code, String line, String status, String text) {
        SmtpReply reply = SmtpReply.of(code, List.of(line));

        assertThat(reply.enhancedStatus().orElse("")).isEqualTo(status);
        assertThat(reply.text()).isEqualTo(text);
    }

    @Test
    void theStatusComesFromTheFirstLineAndTheTextJoinsTheLines() {
        SmtpReply reply = SmtpReply.of(550, List.of("5.7.1 refused:", "see https://postmaster.example.com"));

        assertThat(reply.enhancedStatus()).hasValue("5.7.1");
        assertThat(reply.text()).isEqualTo("refused: see https://postmaster.example.com");
        assertThat(reply).hasToString("550 5.7.1 refused: / see https://postmaster.example.com");
    }

    @Test
    void classifiesByCode() {
        assertThat(SmtpReply.of(250, List.of()).positive()).isTrue();
        assertThat(SmtpReply.of(354, List.of()).positive()).isTrue();
        assertThat(SmtpReply.of(421, List.of()).transientFailure()).isTrue();
        assertThat(SmtpReply.of(421, List.of()).positive()).isFalse();
        assertThat(SmtpReply.of(554, List.of()).permanentFailure()).isTrue();
        assertThat(SmtpReply.of(554, List.of()).transientFailure()).isFalse();
        assertThat(SmtpReply.of(554, List.of()).enhancedStatus()).isEmpty();
    }
}
