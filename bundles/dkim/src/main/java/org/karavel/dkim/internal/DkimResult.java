package org.karavel.dkim.internal;

/**
 * The verification result of one DKIM signature, as reported in Authentication-Results.
 *
 * @param result pass, fail, neutral, policy, temperror or permerror (RFC 8601 §2.7.1)
 * @param domain the d= domain ({@code ""} when the field could not be parsed)
 * @param selector the s= selector
 * @param shortB the first characters of b=
 * @param reason why, when not a pass ({@code ""} for a pass)
 */
public record DkimResult(String result, String domain, String selector, String shortB, String reason) {
    /** The reason of a signature that verified but whose l= leaves content unsigned (counted as a failure). */
    static final String UNSIGNED_CONTENT = "content after l= unsigned";

    static DkimResult pass(DkimSignature s) {
        return new DkimResult("pass", s.domain(), s.selector(), s.shortB(), "");
    }

    static DkimResult of(String result, DkimSignature s, String reason) {
        return new DkimResult(result, s.domain(), s.selector(), s.shortB(), reason);
    }

    public boolean isPass() {
        return result.equals("pass");
    }

    /** Whether this signature verified except that content follows its l= limit. */
    public boolean leavesContentUnsigned() {
        return result.equals("fail") && reason.equals(UNSIGNED_CONTENT);
    }
}
