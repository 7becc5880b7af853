// What `ossup --help` and `ossup help CMD` show beyond the declarations in program.ts: a one-line summary per command
// (so the command list stays one line each at 80 columns; `help CMD` keeps the full description) and examples for
// the commands program.ts gives none. Every example runs as written against the embedded default; test/cli/help.test.ts
// keeps every line within 80 columns.
import type { Command } from 'commander';

const SUMMARIES: Record<string, string> = {
  cp: 'copy files and objects (-r: whole trees)',
  sync: 'make a destination match a source tree',
  mv: 'move: copy, verify, remove the source',
  du: 'count objects and bytes under a prefix',
  cat: 'write an object to standard output',
  ls: 'list buckets, or objects under a prefix',
  stat: "show an object's size, ETag and metadata",
  rm: 'delete an object (-r: a whole prefix)',
  mb: 'make a bucket',
  rb: 'remove an empty bucket',
  versioning: "show or set a bucket's versioning",
  cors: "show, set or remove a bucket's CORS rules",
  uploads: 'list incomplete multipart uploads',
  abort: 'abort incomplete multipart uploads',
  sign: 'print a presigned URL to share',
  serve: 'run the embedded OSS-compatible server',
};

/** Text after "Examples:" (and any note before it), per command without examples of its own in program.ts. */
const EXAMPLES: Record<string, string> = {
  cat: ['  ossup cat oss://bucket/notes.txt', '  ossup cat oss://bucket/logs/app.log | grep ERROR'].join('\n'),
  stat: ['  ossup stat oss://bucket/photos/photo.jpg', '  ossup stat oss://bucket/photos/photo.jpg --json'].join('\n'),
  rm: [
    '  ossup rm oss://bucket/old.txt',
    '  ossup rm -r oss://bucket/tmp/',
    "  ossup rm -r oss://bucket/logs/ --include '*.gz'   # only the .gz files",
  ].join('\n'),
  mb: '  ossup mb oss://my-bucket',
  rb: '  ossup rb oss://my-bucket',
  versioning: [
    '  ossup versioning oss://bucket           # print the state',
    '  ossup versioning oss://bucket enable    # keep old versions from now on',
  ].join('\n'),
  cors: [
    '  ossup cors set oss://bucket --origin http://localhost:5173   # browser uploads',
    '  ossup cors get oss://bucket --json',
    '  ossup cors rm oss://bucket',
  ].join('\n'),
  uploads: ['  ossup uploads oss://bucket', '  ossup uploads oss://bucket/backups/ --json'].join('\n'),
  abort: [
    '  ossup abort oss://bucket --all-older-than 7d',
    '  ossup abort oss://bucket/tmp/ --all-older-than 12h',
    '',
    'ossup uploads lists the upload ids that --upload-id takes.',
  ].join('\n'),
  sign: [
    '  export OSS_ENDPOINT=http://127.0.0.1:9000   # where ossup serve listens',
    '  ossup sign oss://bucket/report.pdf --expires 7d',
    '  curl -T f.bin "$(ossup sign oss://bucket/in/f.bin --method PUT)"   # upload',
  ].join('\n'),
  serve: [
    '  ossup serve                  # http://127.0.0.1:9000 over $OSSUP_HOME/data',
    '  ossup serve --port 9100 --root ./oss-data   # another port and directory',
    '  ossup ls --endpoint http://127.0.0.1:9000   # from another terminal',
  ].join('\n'),
};

/** Said before a command's examples. */
const NOTES: Record<string, string> = {
  sign:
    'A URL for the embedded server works only while `ossup serve` runs: start it\n' +
    'in another terminal and sign for its endpoint, as below.',
};

const TOP_EXAMPLES = [
  '  ossup cp photo.jpg oss://bucket/photos/      # upload',
  '  ossup cp oss://bucket/photos/photo.jpg .     # download into this directory',
  '  ossup sync ./site oss://bucket/www/          # send only what changed',
  '  ossup serve              # serve the same data over HTTP on 127.0.0.1:9000',
  '',
  // The one place `<command>` is printed: a placeholder in prose, not a command to type.
  'ossup help <command> shows what a command takes, its flags and examples.',
].join('\n');

export function addHelpExamples(program: Command): void {
  for (const cmd of program.commands) {
    const name = cmd.name();
    const summary = SUMMARIES[name];
    if (summary !== undefined) cmd.summary(summary);
    const examples = EXAMPLES[name];
    if (examples === undefined) continue;
    const note = NOTES[name];
    cmd.addHelpText('after', `${note === undefined ? '' : `\n${note}\n`}\nExamples:\n${examples}`);
  }
  program.addHelpText('after', `\nExamples:\n${TOP_EXAMPLES}`);
}
