package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.helpdeskmail.clients.tls.MtaStsPolicy.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MtaStsPolicyTest {
    @Test
    void parsesTheRfcExampleWithCrlf() {
        String text = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";

        assertThat(MtaStsPolicy.parse(text, "abc")).contains(new MtaStsPolicy(Mode.ENFORCE,
                List.of("mail.example.com", "*.example.net", "backupmx.example.com"), Duration.ofDays(7), "abc"));
    }

    @Test
    void acceptsLfUnknownKeysWhiteSpaceAndNoFinalLineBreak() {
        String text = "version:STSv1\nmode:   testing\nfuture_key: anything at all\nmx: MX.Example.com.  \nmax_age: 0";

        MtaStsPolicy policy = MtaStsPolicy.parse(text, "id1").orElseThrow();

        assertThat(policy.mode()).isEqualTo(Mode.TESTING);
        assertThat(policy.mx()).containsExactly("mx.example.com");
        assertThat(policy.maxAge()).isZero();
    }

    @Test
    void modeNoneNeedsNoMx() {
        assertThat(MtaStsPolicy.parse("version: STSv1\nmode: none\nmax_age: 86400\n", "x"))
                .map(MtaStsPolicy::mode).contains(Mode.NONE);
    }

    @Test
    void theFirstOccurrenceOfARepeatedKeyCounts() {
        assertThat(MtaStsPolicy.parse("version: STSv1\nmode: testing\nmode: enforce\nmx: mx.example.com\nmax_age: 60\n", "x"))
                .map(MtaStsPolicy::mode).contains(Mode.TESTING);
    }

    @Test
    void maxAgeMayBeExactlyTheLimit() {
        assertThat(MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 31557600\n", "x"))
                .map(MtaStsPolicy::maxAge).contains(Duration.ofSeconds(MtaStsPolicy.MAX_AGE_LIMIT_SECONDS));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "mode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
            "version: STSv2\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
            "version: STSv1\nmx: mx.example.com\nmax_age: 86400\n",
            "version: STSv1\nmode: strict\nmx: mx.example.com\nmax_age: 86400\n",
            "version: STSv1\nmode: enforce\nmax_age: 86400\n",
            "version: STSv1\nmode: testing\nmx: mx.example.com\n",
            "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 31557601\n",
            "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: -1\n",
            "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 12345678901\n",
            "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: one day\n",
            "version: STSv1\nmode: enforce\nmx: mx..example.com\nmax_age: 86400\n",
            "version: STSv1\nmode: enforce\nmx: m*.example.com\nmax_age: 86400\n",
            "version: STSv1\nmode: enforce\nmx: localhost\nmax_age: 86400\n",
            "version: STSv1\nthis line has no colon\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
            "<html><body>not a policy</body></html>",
            "",
    })
    void invalidPoliciesGiveNothing(String text) {
        assertThat(MtaStsPolicy.parse(text, "x")).isEmpty();
    }

    @Test
    void mxMatchingFollowsTheWildcardRule() {
        MtaStsPolicy policy = MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 60\n", "x")
                .orElseThrow();

        assertThat(policy.matchesMx("MAIL.example.com.")).isTrue();
        assertThat(policy.matchesMx("mx1.example.net")).isTrue();
        assertThat(policy.matchesMx("a.mx1.example.net")).isFalse();
        assertThat(policy.matchesMx("example.net")).isFalse();
        assertThat(policy.matchesMx("mx.bad.example")).isFalse();
    }
}
