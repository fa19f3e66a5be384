import { PasswordBlocklist, PREBUILT_BLOCKLIST_FILE } from './password-blocklist';

/** Run by `npm run build`: precomputes the password blocklist next to the compiled module. */
PasswordBlocklist.writePrebuilt(PREBUILT_BLOCKLIST_FILE).then(
  (entries) => console.log(`password blocklist: ${entries} entries → ${PREBUILT_BLOCKLIST_FILE}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
