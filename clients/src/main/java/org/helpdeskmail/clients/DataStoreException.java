package org.helpdeskmail.clients;

/**
 * A small store of the server (suppression list, ticket threads) could not answer: the database is
 * down, a statement timed out. The message says what the store was doing; the caller decides whether
 * the mail waits or goes on without the answer.
 */
public final class DataStoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public DataStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
