// Runs the official JavaScript Hub client (@huggingface/hub, pinned in
// package.json) against a hub/hubtest server and checks every answer against
// expectations the Go test writes. Exits non-zero on any mismatch.
//
// Usage: node js_client_test.mjs <endpoint> <expect.json>
// (the endpoint may also come from HF_ENDPOINT). Run by
// hub/hubtest.TestJSClient; see that test for the shape of expect.json.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
	createRepo,
	datasetInfo,
	deleteFile,
	downloadFile,
	fileDownloadInfo,
	listFiles,
	modelInfo,
	pathsInfo,
	uploadFiles,
} from "@huggingface/hub";

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

if (want.upload) {
	await uploadPhase(want.upload);
}

// uploadPhase creates a repo with a write token (and again, expecting 409),
// commits a regular, an LFS (basic transfer) and a multipart LFS file plus
// one that a deleteFile commit removes, then downloads every file back and
// compares it byte for byte with its source.
async function uploadPhase(up) {
	const repo = { type: "model", name: up.repo };
	const auth = { hubUrl, accessToken: up.token };
	const sources = new Map(up.files.map((f) => [f.path, readFileSync(f.source)]));
	const isSHA1 = (s) => typeof s === "string" && /^[0-9a-f]{40}$/.test(s);
	let created = false;
	await step("createRepo", async () => {
		const res = await createRepo({ repo, ...auth });
		check("createRepo url", res.repoUrl, `${hubUrl}/${up.repo}`);
		created = true;
	});
	if (!created) return;
	await step("createRepo again", async () => {
		let status = null;
		try {
			await createRepo({ repo, ...auth });
		} catch (err) {
			status = err.statusCode;
		}
		check("createRepo again: status", status, 409);
	});
	let committed = false;
	await step("uploadFiles", async () => {
		const files = up.files.map((f) => ({ path: f.path, content: new Blob([sources.get(f.path)]) }));
		const res = await uploadFiles({ repo, files, commitTitle: "Upload from the JS client", ...auth });
		check("uploadFiles: commit oid is a sha1", isSHA1(res && res.commit && res.commit.oid), true);
		committed = true;
	});
	if (!committed) return;
	await step("tree after upload", async () => {
		const got = [];
		for await (const e of listFiles({ repo, recursive: true, ...auth })) {
			got.push(`${e.path} ${e.size} ${e.lfs ? "lfs " + e.lfs.oid : "regular"}`);
		}
		const exp = up.files.map((f) => `${f.path} ${f.size} ${f.lfs ? "lfs " + f.sha256 : "regular"}`);
		check("tree after upload", got.sort(), exp.sort());
	});
	await step("deleteFile", async () => {
		const res = await deleteFile({ repo, path: up.delete, commitTitle: `Delete ${up.delete}`, ...auth });
		check("deleteFile: commit oid is a sha1", isSHA1(res && res.commit && res.commit.oid), true);
	});
	for (const f of up.files) {
		await step(`download back ${f.path}`, async () => {
			const blob = await downloadFile({ repo, path: f.path, ...auth });
			if (f.path === up.delete) {
				check(`${f.path}: deleted`, blob, null);
				return;
			}
			check(`${f.path}: found`, blob !== null, true);
			const got = Buffer.from(await blob.arrayBuffer());
			check(`${f.path}: size`, got.length, f.size);
			check(`${f.path}: sha256`, sha256(got), f.sha256);
			check(`${f.path}: bytes equal the uploaded ones`, Buffer.compare(got, sources.get(f.path)), 0);
		});
	}
}

if (failures.length > 0) {
	console.error(`FAIL: ${failures.length} of ${checks} checks failed`);
	for (const f of failures) console.error("  " + f);
	process.exit(1);
}
console.log(`ok: ${checks} checks passed`);
