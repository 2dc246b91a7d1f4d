export const LINK_USED =
  'This link has expired or has been used. Ask for a new one from your account page.';
