package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostNamesTest {
    @ParameterizedTest(name = "{0} vs {1}: {2}")
    @CsvSource({
            "mx.example.com, mx.example.com, true",
            "MX.Example.COM, mx.example.com., true",
            "mx.example.com, mx2.example.com, false",
            "*.example.com, mx.example.com, true",
            "*.example.com, MX.EXAMPLE.COM, true",
            "*.example.com, a.b.example.com, false",
            "*.example.com, example.com, false",
            "*.example.com, .example.com, false",
            "m*.example.com, mx.example.com, false",
            "*.*.example.com, a.b.example.com, false",
            "*.com, example.com, false",
            "mx.*.com, mx.example.com, false",
            "*.example.com, *.example.com, false",
    })
    void wildcardOnlyAsTheWholeLeftMostLabelForExactlyOneLabel(String pattern, String host, boolean matches) {
        assertThat(HostNames.matches(pattern, host)).isEqualTo(matches);
    }
}
