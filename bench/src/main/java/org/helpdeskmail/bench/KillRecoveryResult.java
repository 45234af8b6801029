package org.helpdeskmail.bench;

import java.util.List;
import java.util.Map;

/**
 * What the SIGKILL recovery test saw, written as JSON (bench/README.md, "The SIGKILL test",
 * describes every field). passed: nothing acknowledged was lost and every start succeeded.
 */
public record KillRecoveryResult(String benchmark, boolean passed, Setup setup, Totals totals, List<Round> rounds,
                                 List<StartFailure> startFailures, FinalStart finalStart, String date) {

    public record Setup(int kills, double ratePerSecond, int sessions, int messagesPerSession, double minimumLoadSeconds,
                        double maximumLoadSeconds, long seed, String mix, long drainTimeoutSeconds, String distribution, String serverJavaOpts) {
    }

    /**
     * kills: SIGKILLs done (fewer than asked when the rounds stopped on failed starts). sent: messages
     * started; refused: the server answered a refusal; broken: the connection failed or broke before
     * the 250 (the kill, mostly).
     */
    public record Totals(int kills, int sent, int refused, int broken, int startFailures, DeliveryAccount delivery) {
    }

    /** One round: how long the start took to the MX's 220 (null: it failed), the load, what it got, and the kill. */
    public record Round(int round, Double startSeconds, Long pid, double loadSeconds, int acknowledged, int refused, int broken,
                        List<String> firstFailures) {
    }

    /** A start that did not reach the MX's 220: in which round (kills + 1: the last start), after how long, why, the log's last lines. */
    public record StartFailure(int round, double seconds, String error, List<String> logTail) {
    }

    /**
     * The start after the last kill. drainSeconds: from its 220 until every acknowledged message had
     * been POSTed (null: not within the drain timeout). spoolEmpty: the spool queue was empty at the
     * end. mailRepositories: mails the server set aside in each of its var/mail repositories (error,
     * webhook-failed, ...), where a mail that is not lost but not delivered would be.
     */
    public record FinalStart(boolean started, Double startSeconds, Double drainSeconds, boolean spoolEmpty, Map<String, Integer> mailRepositories) {
    }
}
