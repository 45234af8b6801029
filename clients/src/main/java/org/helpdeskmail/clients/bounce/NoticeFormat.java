package org.helpdeskmail.clients.bounce;

import java.util.List;

/** A mail system's human-readable bounce notice, for bounces without (or with a useless) delivery-status part. */
interface NoticeFormat {
    /** The producer's name as reported in {@link BounceReport#format()}. */
    String name();

    /** Whether the message carries this producer's marks (its notice wording, its headers). */
    boolean recognizes(BounceMessage message);

    /**
     * @param notice the message's text without the quoted copy of the returned message
     * @return the recipients the notice names, in order
     */
    List<BouncedRecipient> recipients(String notice);
}
