package org.helpdeskmail.clients;

import org.apache.mailet.AttributeName;

/** The mail attributes our SMTP hooks set and our mailets read: one list, so their names cannot drift. */
public final class MailAttributes {
    /** Boolean: the message came over TLS. */
    public static final AttributeName TLS = AttributeName.of("helpdesk.smtp.tls");
    /** String: SPF result (pass, fail, softfail, neutral, none, permerror, temperror). */
    public static final AttributeName SPF_RESULT = AttributeName.of("helpdesk.auth.spf");
    /** String: the domain SPF evaluated (the envelope sender's, or the HELO name's). */
    public static final AttributeName SPF_DOMAIN = AttributeName.of("helpdesk.auth.spf.domain");
    /** String: the webhook's "auth" object as JSON. */
    public static final AttributeName AUTH = AttributeName.of("helpdesk.auth");
    /** String: the webhook's "virus" object as JSON ({"status": clean|infected|error|skipped, "name"}). */
    public static final AttributeName VIRUS = AttributeName.of("helpdesk.virus");
    /** String: the webhook's "spam" object as JSON ({"score", "action", "symbols"}). */
    public static final AttributeName SPAM = AttributeName.of("helpdesk.spam");
    /** Boolean: the sender's DMARC policy asks to quarantine the message. */
    public static final AttributeName QUARANTINE = AttributeName.of("helpdesk.spam.quarantine");

    private MailAttributes() {
    }
}
