// The example page's script: one picked file, uploaded with ossup/browser, resumable after a reload.
// serve.js serves this page and the module; /config.json names the endpoint and bucket, /sts hands out temporary
// credentials (a real app's backend would call STS AssumeRole there).
import { OssClient, uploadFile } from '/dist/browser/ossup.js';

const $ = (id) => document.getElementById(id);
const config = await (await fetch('/config.json')).json();
const client = new OssClient({
  endpoint: config.endpoint,
  // Asked once, and again whenever OSS says the token expired.
  credentials: async () => (await fetch('/sts')).json(),
});

// The checkpoint itself lives in IndexedDB (ossup/browser keeps it); this only remembers which file to ask for.
const PENDING = 'ossup-example-pending';
const pending = JSON.parse(localStorage.getItem(PENDING) ?? 'null');
if (pending) {
  $('resume').hidden = false;
  $('resume').textContent = `An upload of "${pending.name}" (${pending.size} bytes) did not finish: pick the same file to resume it.`;
}

let controller;
$('file').addEventListener('change', () => {
  $('start').disabled = !$('file').files.length;
});

$('pause').addEventListener('click', () => controller?.abort());

$('start').addEventListener('click', async () => {
  const file = $('file').files[0];
  if (!file) return;
  controller = new AbortController();
  $('start').disabled = true;
  $('pause').disabled = false;
  $('result').textContent = '';
  $('bar').value = 0;
  $('status').textContent = `uploading ${file.name}...`;
  localStorage.setItem(PENDING, JSON.stringify({ name: file.name, size: file.size }));
  try {
    const result = await uploadFile(client, {
      bucket: config.bucket,
      key: file.name,
      file,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'progress' && e.totalBytes > 0) $('bar').value = e.bytesDone / e.totalBytes;
        if (e.type === 'complete') $('bar').value = 1;
      },
    });
    localStorage.removeItem(PENDING);
    $('resume').hidden = true;
    $('status').textContent = `done: oss://${result.bucket}/${result.key}`;
    $('result').textContent = JSON.stringify(result, null, 2);
  } catch (err) {
    // A pause is an AbortedError: the upload and its checkpoint are kept, Upload resumes it.
    $('status').textContent = err?.code === 'Aborted' ? 'paused: Upload resumes' : `failed: ${err?.code ?? ''} ${err?.message ?? err}`;
  } finally {
    $('start').disabled = false;
    $('pause').disabled = true;
  }
});
$('status').textContent = 'ready';
