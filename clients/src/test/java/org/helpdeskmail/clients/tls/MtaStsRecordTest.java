package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MtaStsRecordTest {
    @ParameterizedTest
    @ValueSource(strings = {
            "v=STSv1; id=20240501T100000;",
            "v=STSv1;id=20240501T100000",
            "v=STSv1 ;\tid=20240501T100000 ; ",
            "v=STSv1; ext-1=value; id=20240501T100000;",
    })
    void validRecordsGiveTheirId(String text) {
        assertThat(MtaStsRecord.parse(text)).contains(new MtaStsRecord("20240501T100000"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "v=STSv1;",
            "v=STSv1",
            "v=STSv1; id=;",
            "v=STSv1; id=has-dash;",
            "v=STSv1; id=123456789012345678901234567890123;",
            "v=STSv1; id=a; id=b;",
            "v=STSv2; id=a;",
            "v=stsv1; id=a;",
            "id=a; v=STSv1;",
            "v=STSv1; id=a;; ",
            "v=STSv1; bad ext=x; id=a;",
    })
    void invalidRecordsGiveNothing(String text) {
        assertThat(MtaStsRecord.parse(text)).isEmpty();
    }

    @Test
    void otherTxtRecordsAreDiscardedBeforeCounting() {
        assertThat(MtaStsRecord.select(List.of("v=spf1 -all", "v=STSv1; id=abc;", "hello")))
                .contains(new MtaStsRecord("abc"));
    }

    @Test
    void twoStsRecordsOrAnInvalidOneMeanNoPolicy() {
        assertThat(MtaStsRecord.select(List.of("v=STSv1; id=abc;", "v=STSv1; id=def;"))).isEmpty();
        assertThat(MtaStsRecord.select(List.of("v=STSv1; id=abc;", "v=STSv1"))).isEmpty();
        assertThat(MtaStsRecord.select(List.of("v=STSv1; id=bad!"))).isEmpty();
        assertThat(MtaStsRecord.select(List.of())).isEmpty();
    }

    @Test
    void recordNameIsUnderscoreMtaSts() {
        assertThat(MtaStsRecord.recordName("Example.COM.")).isEqualTo("_mta-sts.example.com");
    }
}
