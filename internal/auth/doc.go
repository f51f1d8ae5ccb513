// Package auth owns people and how they prove who they are: users and their
// passwords, browser sessions, API tokens, API keys, one-time links (email
// verification, password reset), invitations being accepted, and the limits on
// guessing.
//
// Decisions:
//
//   - Passwords: argon2id (3 passes, 64 MiB, 2 lanes, 32-byte key, 16-byte
//     salt) in the PHC string format, so parameters can grow later. At least 10
//     characters, at most 256, not all the same character, not the email.
//   - Every sign-in creates a session row. The browser gets an opaque random
//     token in an HttpOnly cookie (`__Host-masteria_session`, Secure, when
//     MASTERIA_PUBLIC_URL is https; `masteria_session` without Secure on plain
//     HTTP such as localhost, where browsers refuse `__Host-` cookies); API
//     clients get a JWT (HS256, one hour) naming the same session. Revoking the
//     session kills both at once: logout revokes the current session, a
//     password change or reset revokes every other one, and removing a member
//     revokes their sessions in that company.
//   - CSRF: cookie-authenticated writes need the X-CSRF-Token header equal to
//     an HMAC of the session id (the UI reads it from the `masteria_csrf`
//     cookie) and an Origin of this server; JSON only, so a cross-site form or
//     text/plain POST gets 403. Bearer requests carry no ambient credential and
//     need neither.
//   - The JWT signing key is generated on first start and kept encrypted in
//     the secrets table, or given as MASTERIA_JWT_SECRET (32 bytes at least;
//     shorter stops start-up).
//   - API keys look like `mst_<12 hex>_<43 base64url>`: the prefix is shown in
//     lists, the secret is kept as SHA-256 (a 256-bit random secret needs no
//     slow hash). A key acts for one company with the admin role; it cannot
//     manage other keys or the team's owners.
//   - Limits: 10 failed sign-ins per account and per IP within a minute; the
//     11th attempt gets 429 before the password is even checked. Bad API keys
//     and bad tokens count per IP the same way. Counters live in memory, per
//     instance: with N instances an attacker gets at most N times the budget,
//     which is still far too slow to guess an argon2id-protected password.
//   - With SMTP configured, new addresses are verified by an emailed link; an
//     unverified owner can explore but not invite people or create API keys.
//     Without SMTP nothing is emailed: invitation links are shown to the
//     admin, and an admin can make a password-reset link for a member who
//     belongs to no other company (otherwise one company's admin could take
//     over an account that acts for other companies).
//   - Emails are sent by a River job that makes the link itself, so no usable
//     link is ever stored: only SHA-256 hashes of link tokens are.
package auth
