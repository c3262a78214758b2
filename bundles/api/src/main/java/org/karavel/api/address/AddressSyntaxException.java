package org.karavel.api.address;

/** An address or path that does not follow RFC 5321 (or RFC 6531 with SMTPUTF8). */
public class AddressSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    public AddressSyntaxException(String message) {
        super(message);
    }
}
