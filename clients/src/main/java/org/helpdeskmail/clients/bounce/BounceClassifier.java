package org.helpdeskmail.clients.bounce;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Classifies a delivery failure as {@link Classification#HARD} (suppress the address) or
 * {@link Classification#SOFT} (keep it), the way bulk senders (Amazon SES, Postmark, SendGrid, Mailgun)
 * do: only failures that say the address itself is bad are hard, because a wrongly suppressed customer
 * stops getting answers from the helpdesk.
 * <p>
 * With an enhanced status code (RFC 3463):
 * <ul>
 *   <li>{@code 4.x.x}: soft, whatever the text says.</li>
 *   <li>{@code 5.1.x} (bad mailbox, bad domain, bad syntax, moved, null MX) except the generic 5.1.0 and the
 *       sender-side 5.1.7 / 5.1.8, {@code 5.2.1} (mailbox disabled) and {@code 5.4.4} (unable to route: the
 *       domain does not resolve): hard.</li>
 *   <li>Statuses about the message, the sender or the receiving system rather than the address are soft:
 *       {@code 5.1.7}, {@code 5.1.8} (our sender address), {@code 5.2.2} (mailbox full), {@code 5.2.3} and
 *       {@code 5.3.4} (too big), other {@code 5.3.x} (receiving system trouble), {@code 5.4.x} routing trouble
 *       such as {@code 5.4.6} (loop) and {@code 5.4.7} (expired), {@code 5.5.x} protocol errors except 5.5.0,
 *       {@code 5.6.x} (content) and {@code 5.7.x} (security and policy: spam filters, blocklists, DMARC,
 *       "only accepts internal mail"). A 5.7.x block usually concerns our IP or content, so suppressing the
 *       recipient for it would be wrong; yet a reply in this group whose text clearly says the address does
 *       not exist ("5.7.1 ... user unknown") is hard.</li>
 *   <li>Generic statuses ({@code 5.0.x}, {@code 5.1.0}, {@code 5.2.0}, {@code 5.2.4}, {@code 5.3.0},
 *       {@code 5.4.0}, {@code 5.4.1} (Office 365 uses it for "Recipient address rejected: Access denied"),
 *       {@code 5.5.0}, and subjects RFC 3463 does not define) are decided by the text, hard when it decides nothing (the
 *       server said the failure is permanent).</li>
 * </ul>
 * Without an enhanced status, a 4xx reply code is soft and a 5xx one is decided by the text, hard when it
 * decides nothing except 552 (RFC 5321: exceeded storage allocation), which is soft. Without any code the text
 * decides and, when it decides nothing, the failure is soft: an unknown report is no reason to drop an address.
 * <p>
 * The text, in this order: mailbox full or over quota → soft; the sender (ours) was refused → soft; the
 * address does not exist (user unknown, no such user, not found, disabled, domain not found) → hard; the
 * address was refused (address rejected, mailbox unavailable) → hard; spam, blocklist, policy, temporary
 * trouble, try again, too large → soft.
 */
public final class BounceClassifier {
    private static final Pattern STATUS_SYNTAX = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    private static final Set<String> HARD_STATUSES = Set.of("5.2.1", "5.4.4");
    private static final Set<String> SENDER_STATUSES = Set.of("5.1.7", "5.1.8");
    private static final Set<String> GENERIC_STATUSES = Set.of("5.1.0", "5.2.0", "5.2.4", "5.3.0", "5.4.0", "5.4.1", "5.5.0");
    private static final Pattern MAILBOX_FULL = Pattern.compile("(?i)mailbox (?:is )?full|inbox (?:is )?full|full mailbox|over ?quota"
        + "|quota (?:exceeded|full)|exceeded (?:the |its )?(?:storage|quota)|insufficient (?:system )?storage|storage allocation"
        + "|mailbox size limit|out of (?:storage|space)");
    private static final Pattern SENDER_REFUSED = Pattern.compile("(?i)sender address rejected|sender (?:verify|verification) failed"
        + "|sender rejected|sender domain|unauthenticated sender");
    private static final Pattern ADDRESS_UNKNOWN = Pattern.compile("(?i)user unknown|unknown user|no such (?:user|mailbox|recipient|address|account|person)"
        + "|does ?n[o'’]t exist|unknown (?:recipient|mailbox|address|local[- ]part)"
        + "|(?:recipient|mailbox|address|user|account) (?:not found|unknown)|address not found|not found by smtp address lookup"
        + "|invalid (?:recipient|mailbox|user|address)|recip(?:ient)?notfound|no mailbox here|not a valid (?:mailbox|recipient|user|address)"
        + "|doesn't have an? \\S+ account|account (?:has been |is )?disabled|mailbox (?:has been |is )?(?:disabled|inactive)"
        + "|unrouteable address|host or domain name not found|couldn't find any host|domain (?:name )?not found"
        + "|bad destination mailbox|no longer (?:valid|available|exists?)|wasn't found at"
        + "|(?:address|recipient|mailbox|user)[^.\\n]{0,40}(?:couldn't|could not|can't|cannot) be found");
    private static final Pattern ADDRESS_REFUSED = Pattern.compile("(?i)address rejected|recipient rejected|rejected recipient|mailbox unavailable"
        + "|mailbox not available");
    private static final Pattern NOT_ABOUT_ADDRESS = Pattern.compile("(?i)spam|block(?:ed|list)|black ?list|listed (?:at|on|in|by)|reputation"
        + "|policy|message rejected|not accepted|dmarc|\\bspf\\b|dkim|authenticat|unsolicited|virus|banned|denied"
        + "|temporar|try (?:again|later)|timed? ?out|connection (?:refused|reset|lost|closed)|too many|rate limit|throttl"
        + "|gr[ae]ylist|deferred|busy|insufficient resources|too (?:large|big)|size (?:limit|exceeds)|exceeds? (?:the )?(?:maximum|size)");

    private BounceClassifier() {
    }

    /**
     * @param enhancedStatus RFC 3463 status such as {@code 5.1.1}, when known
     * @param smtpCode       reply code such as 550, when known
     * @param diagnostic     the server's reply or the report's explanation, possibly empty
     * @return {@link Classification#HARD} or {@link Classification#SOFT}
     */
    public static Classification classify(Optional<String> enhancedStatus, Optional<Integer> smtpCode, String diagnostic) {
        Optional<String> status = enhancedStatus.map(String::trim).filter(value -> STATUS_SYNTAX.matcher(value).matches());
        if (status.isPresent() && !status.get().startsWith("2")) {
            return byStatus(status.get(), diagnostic);
        }
        if (smtpCode.isPresent() && smtpCode.get() >= 400) {
            if (smtpCode.get() < 500) {
                return Classification.SOFT;
            }
            return byText(diagnostic, smtpCode.get() == 552 ? Classification.SOFT : Classification.HARD);
        }
        return byText(diagnostic, Classification.SOFT);
    }

    private static Classification byStatus(String status, String diagnostic) {
        if (status.startsWith("4")) {
            return Classification.SOFT;
        }
        String[] parts = status.split("\\.");
        int subject = Integer.parseInt(parts[1]);
        if (!status.startsWith("5") || subject == 0 || subject > 7 || GENERIC_STATUSES.contains(status)) {
            return byText(diagnostic, Classification.HARD);
        }
        if (SENDER_STATUSES.contains(status)) {
            return Classification.SOFT;
        }
        if (HARD_STATUSES.contains(status) || subject == 1) {
            return Classification.HARD;
        }
        // Statuses about the message, the sender or the receiving system: see the class comment.
        return ADDRESS_UNKNOWN.matcher(diagnostic).find() && !MAILBOX_FULL.matcher(diagnostic).find()
            && !SENDER_REFUSED.matcher(diagnostic).find() ? Classification.HARD : Classification.SOFT;
    }

    private static Classification byText(String diagnostic, Classification otherwise) {
        if (MAILBOX_FULL.matcher(diagnostic).find() || SENDER_REFUSED.matcher(diagnostic).find()) {
            return Classification.SOFT;
        }
        if (ADDRESS_UNKNOWN.matcher(diagnostic).find() || ADDRESS_REFUSED.matcher(diagnostic).find()) {
            return Classification.HARD;
        }
        if (NOT_ABOUT_ADDRESS.matcher(diagnostic).find()) {
            return Classification.SOFT;
        }
        return otherwise;
    }
}
