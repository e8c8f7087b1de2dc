// Runs the official JavaScript Hub client (@huggingface/hub, pinned in
// package.json) against a hub/hubtest server and checks every answer against
// expectations the Go test writes. Exits non-zero on any mismatch.
//
// Usage: node js_client_test.mjs <endpoint> <expect.json>
// (the endpoint may also come from HF_ENDPOINT). Run by
// hub/hubtest.TestJSClient; see that test for the shape of expect.json.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { datasetInfo, downloadFile, fileDownloadInfo, listFiles, modelInfo, pathsInfo } from "@huggingface/hub";

const hubUrl = process.argv[2] || process.env.HF_ENDPOINT;
const expectPath = process.argv[3];
if (!hubUrl || !expectPath) {
	console.error("usage: node js_client_test.mjs <endpoint> <expect.json>");
	process.exit(2);
}
const want = JSON.parse(readFileSync(expectPath, "utf8"));
const failures = [];
let checks = 0;

function check(what, got, expected) {
	checks++;
	const g = JSON.stringify(got);
	const e = JSON.stringify(expected);
	if (g !== e) {
		failures.push(`${what}: got ${g}, want ${e}`);
	}
}

async function step(name, fn) {
	try {
		await fn();
	} catch (err) {
		failures.push(`${name}: threw ${err && err.stack ? err.stack : err}`);
	}
}

const sha256 = (buf) => createHash("sha256").update(Buffer.from(buf)).digest("hex");
const model = { type: "model", name: want.model };
const creds = want.token ? { accessToken: want.token } : {};

for (const f of want.files) {
	await step(`download ${f.path}`, async () => {
		const blob = await downloadFile({ repo: model, path: f.path, revision: f.revision, hubUrl, ...creds });
		check(`${f.path}: found`, blob !== null, true);
		const buf = await blob.arrayBuffer();
		check(`${f.path}: size`, buf.byteLength, f.size);
		check(`${f.path}: sha256`, sha256(buf), f.sha256);
	});
	await step(`fileDownloadInfo ${f.path}`, async () => {
		const info = await fileDownloadInfo({ repo: model, path: f.path, revision: f.revision, hubUrl, ...creds });
		check(`${f.path}: info size`, info.size, f.size);
		check(`${f.path}: info etag`, info.etag, f.etag);
	});
	if (f.slice) {
		await step(`slice ${f.path}`, async () => {
			const blob = await downloadFile({ repo: model, path: f.path, revision: f.revision, hubUrl, ...creds });
			const part = await blob.slice(f.slice[0], f.slice[1]).arrayBuffer();
			check(`${f.path}: slice sha256`, sha256(part), f.slice_sha256);
		});
	}
}

await step("missing file", async () => {
	const blob = await downloadFile({ repo: model, path: want.missing, hubUrl, ...creds });
	check("missing file gives null", blob, null);
});

await step("listFiles recursive", async () => {
	const got = [];
	for await (const e of listFiles({ repo: model, recursive: true, hubUrl, ...creds })) {
		got.push(`${e.type} ${e.path} ${e.oid} ${e.size} ${e.lfs ? e.lfs.oid : "-"}`);
	}
	check("tree", got, want.tree);
});

await step("modelInfo", async () => {
	const info = await modelInfo({ name: want.model, hubUrl, additionalFields: ["sha", "siblings"], ...creds });
	check("info name", info.name, want.model);
	check("info sha", info.sha, want.sha);
	check("info private", info.private, false);
	check("info siblings", (info.siblings || []).map((s) => s.rfilename), want.siblings);
});

await step("pathsInfo", async () => {
	const got = await pathsInfo({ repo: model, paths: want.paths_info.paths, expand: true, hubUrl, ...creds });
	check("pathsInfo", got.map((e) => `${e.type} ${e.path} ${e.lastCommit ? e.lastCommit.id : "-"}`), want.paths_info.want);
});

await step("dataset parquet branch", async () => {
	const got = [];
	const repo = { type: "dataset", name: want.dataset.name };
	for await (const e of listFiles({ repo, recursive: true, revision: "refs/convert/parquet", hubUrl, ...creds })) {
		got.push(`${e.type} ${e.path}`);
	}
	check("parquet tree", got, want.dataset.tree);
	const info = await datasetInfo({ name: want.dataset.name, revision: "refs/convert/parquet", hubUrl, additionalFields: ["sha"], ...creds });
	check("parquet sha", info.sha, want.dataset.sha);
});

await step("private repo", async () => {
	const repo = { type: "model", name: want.private.name };
	let refused = false;
	try {
		await downloadFile({ repo, path: want.private.path, hubUrl });
	} catch (err) {
		refused = true;
		check("private without token: status", err.statusCode, 401);
	}
	check("private without token refused", refused, true);
	const blob = await downloadFile({ repo, path: want.private.path, hubUrl, accessToken: want.private.token });
	check("private with token: sha256", sha256(await blob.arrayBuffer()), want.private.sha256);
});

if (failures.length > 0) {
	console.error(`FAIL: ${failures.length} of ${checks} checks failed`);
	for (const f of failures) console.error("  " + f);
	process.exit(1);
}
console.log(`ok: ${checks} checks passed`);
