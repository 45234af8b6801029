package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A bad value stops startup with one line that names where it is, not a stack trace. */
class BadConfigurationTest {
    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        // Let the file's bind apply: a blank variable does not override.
        .environment("HELPDESK_MX_BIND", "")
        .dontStart()
        .build();

    @Test
    void portThatIsNotANumberInAFileNamesTheFileAndTheKey() throws Exception {
        ConfigurationFiles.replace(server.configurationDirectory(), "smtpserver.xml",
            "<bind>127.0.0.1:2525</bind>", "<bind>127.0.0.1:smtp</bind>");

        HelpdeskServerExtension.CommandResult result = server.startExpectingFailure();

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output())
            .contains("bad configuration")
            .contains(server.configurationDirectory().resolve("smtpserver.xml").toString())
            .contains("smtpserver[mx]/bind")
            .contains("'smtp' ")
            .doesNotContain("Exception");
    }

    @Test
    void numberKeyThatIsNotANumberNamesTheFileAndTheKey() throws Exception {
        ConfigurationFiles.replace(server.configurationDirectory(), "smtpserver.xml",
            "<connectionLimitPerIP>20</connectionLimitPerIP>", "<connectionLimitPerIP>twenty</connectionLimitPerIP>");

        HelpdeskServerExtension.CommandResult result = server.startExpectingFailure();

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("smtpserver.xml").contains("smtpserver[mx]/connectionLimitPerIP").contains("'twenty'");
    }
}

class BadEnvironmentTest {
    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_SUBMISSION_BIND", "127.0.0.1:submission")
        .dontStart()
        .build();

    @Test
    void badEnvironmentVariableIsNamed() throws Exception {
        HelpdeskServerExtension.CommandResult result = server.startExpectingFailure();

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("environment: HELPDESK_SUBMISSION_BIND").contains("'submission'");
    }
}
