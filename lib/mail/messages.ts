// Every mail Gatehouse sends, as plain text and HTML alike: no tracking, no remote images, no
// script; the only links are to Gatehouse itself (APP_ORIGIN).

export type Message = { kind: MessageKind; subject: string; text: string; html: string };

/** What each notice says about the act it reports: when, from which browser and address. */
export type Circumstances = { at: Date; browser: string; ip: string | null };

export type MessageKind =
  | 'verify_email'
  | 'email_in_use'
  | 'password_reset'
  | 'notice_new_browser'
  | 'notice_password_changed'
  | 'notice_password_reset'
  | 'notice_email_changed'
  | 'notice_account_deleted'
  | 'notice_second_factor_failed'
  | 'notice_second_factor_enabled'
  | 'notice_second_factor_disabled'
  | 'notice_recovery_codes'
  | 'notice_passkey_added'
  | 'notice_passkey_removed'
  | 'notice_passkey_cloned';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

type Part = string | { link: string; label: string };

function compose(kind: MessageKind, subject: string, parts: Part[]): Message {
  const text = parts
    .map((part) => (typeof part === 'string' ? part : `${part.label}:\n${part.link}`))
    .join('\n\n');
  const html = parts
    .map((part) =>
      typeof part === 'string'
        ? `<p>${escapeHtml(part)}</p>`
        : `<p><a href="${escapeHtml(part.link)}">${escapeHtml(part.label)}</a></p>`,
    )
    .join('\n');
  return {
    kind,
    subject,
    text: `${text}\n`,
    html: `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body style="font-family: sans-serif; color: #0f172a">\n${html}\n</body></html>\n`,
  };
}

const describe = ({ at, browser, ip }: Circumstances) =>
  `When: ${at.toISOString().replace('T', ' ').slice(0, 19)} UTC. Browser: ${browser}. IP address: ${ip ?? 'unknown'}.`;

const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`;
const hours = (ms: number) => `${Math.round(ms / 3_600_000)} hours`;

export type Messages = ReturnType<typeof messagesFor>;

/** The messages, for this deployment's name and origin. */
export function messagesFor(appName: string, appOrigin: string) {
  const account = { link: `${appOrigin}/account`, label: `Review your sessions on ${appName}` };
  const notYou =
    "If this was not you, someone knows your password: change it, and end the sessions you don't recognise.";
  return {
    verifyEmail: (username: string, address: string, link: string, ttlMs: number): Message =>
      compose('verify_email', `Confirm your email address for ${appName}`, [
        `Someone (we hope you) asked to use ${address} for the account "${username}" on ${appName}.`,
        { link, label: 'Confirm this address' },
        `The link works once, for ${hours(ttlMs)}. If you did not ask for this, ignore this message: nothing changes.`,
      ]),
    emailInUse: (address: string): Message =>
      compose('email_in_use', `Your email address on ${appName}`, [
        `Someone asked to use ${address} for an account on ${appName}, but it already belongs to an account there. Nothing was changed.`,
        `If that was you, log in to the account this address belongs to. If not, you can ignore this message.`,
      ]),
    resetLink: (username: string, link: string, ttlMs: number): Message =>
      compose('password_reset', `Reset your ${appName} password`, [
        `Someone (we hope you) asked to reset the password of the account "${username}" on ${appName}.`,
        { link, label: 'Choose a new password' },
        `The link works once, for ${minutes(ttlMs)}. If you did not ask for this, ignore this message: your password stays as it is.`,
      ]),
    newBrowser: (username: string, when: Circumstances): Message =>
      compose('notice_new_browser', `New sign-in to your ${appName} account`, [
        `Your account "${username}" was signed in to from a browser that had not signed in to it before.`,
        describe(when),
        notYou,
        account,
      ]),
    passwordChanged: (username: string, when: Circumstances): Message =>
      compose('notice_password_changed', `Your ${appName} password was changed`, [
        `The password of your account "${username}" was changed, and every other session was ended.`,
        describe(when),
        notYou,
        account,
      ]),
    passwordWasReset: (username: string, when: Circumstances): Message =>
      compose('notice_password_reset', `Your ${appName} password was reset`, [
        `The password of your account "${username}" was reset through a link mailed to you, and every session was ended.`,
        describe(when),
        `If this was not you, someone can read your mail: secure your mailbox, then reset your password again.`,
        account,
      ]),
    emailChanged: (username: string, change: string, when: Circumstances): Message =>
      compose('notice_email_changed', `The email address of your ${appName} account`, [
        `The email address of your account "${username}": ${change}`,
        describe(when),
        notYou,
        account,
      ]),
    secondFactorFailed: (username: string, when: Circumstances): Message =>
      compose('notice_second_factor_failed', `A wrong code for your ${appName} account`, [
        `Someone entered the right password for your account "${username}", then a wrong authenticator code. Nobody was signed in.`,
        describe(when),
        `If this was not you, someone knows your password: change it now.`,
        account,
      ]),
    secondFactorEnabled: (username: string, when: Circumstances): Message =>
      compose(
        'notice_second_factor_enabled',
        `Two-step sign-in is on for your ${appName} account`,
        [
          `Your account "${username}" now asks for a code from an authenticator app after the password, and every other session was ended.`,
          describe(when),
          notYou,
          account,
        ],
      ),
    secondFactorDisabled: (username: string, how: string, when: Circumstances): Message =>
      compose(
        'notice_second_factor_disabled',
        `Two-step sign-in is off for your ${appName} account`,
        [
          `Your account "${username}" no longer asks for an authenticator code: ${how}`,
          describe(when),
          `If this was not you, change your password now and turn two-step sign-in on again.`,
          account,
        ],
      ),
    recoveryCodesReplaced: (username: string, when: Circumstances): Message =>
      compose('notice_recovery_codes', `New recovery codes for your ${appName} account`, [
        `New recovery codes were made for your account "${username}"; the old ones no longer work.`,
        describe(when),
        notYou,
        account,
      ]),
    passkeyAdded: (username: string, name: string, when: Circumstances): Message =>
      compose('notice_passkey_added', `A passkey was added to your ${appName} account`, [
        `A passkey named "${name}" was added to your account "${username}": it signs in without the password.`,
        describe(when),
        notYou,
        account,
      ]),
    passkeyRemoved: (username: string, name: string, when: Circumstances): Message =>
      compose('notice_passkey_removed', `A passkey was removed from your ${appName} account`, [
        `The passkey named "${name}" was removed from your account "${username}".`,
        describe(when),
        notYou,
        account,
      ]),
    passkeyCloned: (username: string, name: string, when: Circumstances): Message =>
      compose('notice_passkey_cloned', `A copied passkey may exist for your ${appName} account`, [
        `A sign-in to your account "${username}" with the passkey "${name}" was refused: its use counter went backwards, which happens when an authenticator has been copied.`,
        describe(when),
        `Remove that passkey from your account page and add it again, and change your password if you think someone else had it.`,
        account,
      ]),
    accountDeleted: (username: string, when: Circumstances): Message =>
      compose('notice_account_deleted', `Your ${appName} account was deleted`, [
        `Your account "${username}" and everything kept with it was deleted.`,
        describe(when),
        `If this was not you, write to the site's operators.`,
      ]),
  };
}
