package org.helpdeskmail.bench;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The books of a crash test: which messages the server acknowledged (250 at the end of DATA), which
 * it POSTed to the webhook, how often, and under which {@code X-Helpdesk-Id}. The server delivers at
 * least once, so a message POSTed again after a kill is allowed (a repeat: the app drops it by its
 * X-Helpdesk-Id, unless the id changed, which is counted apart); an acknowledged message never
 * POSTed is lost, and that must not happen. A send that failed (refused, or the connection broke
 * before the 250) is not the server's to deliver, yet it may have kept it (the 250 was on its way
 * when the connection went): counted as delivered without acknowledgement, not as an error.
 *
 * @param acknowledged           messages that got their 250
 * @param delivered              distinct messages POSTed at least once (acknowledged or not)
 * @param lost                   acknowledged, never POSTed
 * @param repeated               messages POSTed more than once
 * @param extraPosts             POSTs beyond the first of each message
 * @param repeatedUnderAnotherId repeated messages whose POSTs did not all carry the same X-Helpdesk-Id
 * @param deliveredUnacknowledged POSTed although their send failed
 * @param unexpected             POSTed tokens of this run that were never sent (should be 0)
 * @param lostTokens             the first few lost messages, to look for in the server log
 */
public record DeliveryAccount(int acknowledged, int delivered, int lost, int repeated, int extraPosts, int repeatedUnderAnotherId,
                              int deliveredUnacknowledged, int unexpected, List<String> lostTokens) {
    private static final int LISTED = 20;

    /**
     * acknowledgedTokens / failedTokens: the messages sent, by outcome; idsByToken: for every token
     * of the run that was POSTed, the X-Helpdesk-Id of each of its POSTs (one entry per POST).
     */
    public static DeliveryAccount of(Collection<String> acknowledgedTokens, Collection<String> failedTokens,
                                     Map<String, List<String>> idsByToken) {
        Set<String> acknowledged = new HashSet<>(acknowledgedTokens);
        Set<String> failed = new HashSet<>(failedTokens);
        int repeated = 0;
        int extraPosts = 0;
        int underAnotherId = 0;
        int deliveredUnacknowledged = 0;
        int unexpected = 0;
        int delivered = 0;
        for (Map.Entry<String, List<String>> posts : idsByToken.entrySet()) {
            int count = posts.getValue().size();
            if (count == 0) {
                continue;
            }
            delivered++;
            if (count > 1) {
                repeated++;
                extraPosts += count - 1;
                if (new HashSet<>(posts.getValue()).size() > 1) {
                    underAnotherId++;
                }
            }
            if (!acknowledged.contains(posts.getKey())) {
                if (failed.contains(posts.getKey())) {
                    deliveredUnacknowledged++;
                } else {
                    unexpected++;
                }
            }
        }
        List<String> lost = acknowledged.stream().filter(token -> idsByToken.getOrDefault(token, List.of()).isEmpty()).sorted().toList();
        return new DeliveryAccount(acknowledged.size(), delivered, lost.size(), repeated, extraPosts, underAnotherId, deliveredUnacknowledged,
            unexpected, lost.stream().limit(LISTED).toList());
    }
}
