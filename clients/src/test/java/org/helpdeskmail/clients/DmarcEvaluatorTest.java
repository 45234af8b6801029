package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DmarcEvaluatorTest {
    private static final Map<String, List<String>> ZONE = Map.of(
        "_dmarc.example.com", List.of("v=DMARC1; p=reject; sp=quarantine"),
        "_dmarc.strict.example", List.of("v=DMARC1; p=reject; adkim=s; aspf=s"),
        "_dmarc.sampled.example", List.of("v=DMARC1; p=reject; pct=10"),
        "_dmarc.example.co.uk", List.of("v=DMARC1; p=none"));

    private static DmarcEvaluator evaluator(int percentile) {
        return new DmarcEvaluator(name -> {
            if (name.equals("_dmarc.down.example")) {
                throw new DmarcEvaluator.TemporaryLookupFailure("SERVFAIL");
            }
            return ZONE.getOrDefault(name, List.of());
        }, () -> percentile);
    }

    @Test
    void alignedSpfOrDkimPasses() {
        assertThat(evaluator(0).evaluate("example.com", "pass", "bounce.example.com", List.of()).result()).isEqualTo("pass");
        assertThat(evaluator(0).evaluate("example.com", "fail", "other.example",
            List.of(new DmarcEvaluator.DkimResult("mail.example.com", "pass"))).result()).isEqualTo("pass");
    }

    @Test
    void unalignedFailsWithThePolicyAndSubdomainPolicy() {
        DmarcEvaluator.Verdict verdict = evaluator(0).evaluate("example.com", "pass", "other.example",
            List.of(new DmarcEvaluator.DkimResult("other.example", "pass")));
        assertThat(verdict.result()).isEqualTo("fail");
        assertThat(verdict.disposition()).isEqualTo("reject");

        DmarcEvaluator.Verdict subdomain = evaluator(0).evaluate("news.example.com", "none", "news.example.com", List.of());
        assertThat(subdomain.disposition()).isEqualTo("quarantine");
        assertThat(subdomain.policyDomain()).contains("example.com");
    }

    @Test
    void strictAlignmentNeedsTheExactDomain() {
        assertThat(evaluator(0).evaluate("strict.example", "pass", "mail.strict.example", List.of()).result()).isEqualTo("fail");
        assertThat(evaluator(0).evaluate("strict.example", "pass", "strict.example", List.of()).result()).isEqualTo("pass");
    }

    @Test
    void pctOutsideTheSampleGetsTheNextLessStrictPolicy() {
        assertThat(evaluator(5).evaluate("sampled.example", "fail", "x.example", List.of()).disposition()).isEqualTo("reject");
        assertThat(evaluator(50).evaluate("sampled.example", "fail", "x.example", List.of()).disposition()).isEqualTo("quarantine");
    }

    @Test
    void noRecordTemporaryErrorAndPublicSuffixes() {
        assertThat(evaluator(0).evaluate("nopolicy.example", "fail", "x.example", List.of()).result()).isEqualTo("none");
        assertThat(evaluator(0).evaluate("down.example", "fail", "x.example", List.of()).result()).isEqualTo("temperror");
        assertThat(evaluator(0).evaluate("shop.example.co.uk", "fail", "x.example", List.of()).policyDomain()).contains("example.co.uk");
        assertThat(DmarcEvaluator.organizationalDomain("a.b.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(DmarcEvaluator.organizationalDomain("news.sender.test")).as("unlisted TLD: default rule").isEqualTo("sender.test");
    }
}
