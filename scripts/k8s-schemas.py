#!/usr/bin/env python3
"""Write kubeconform-compatible JSON schemas for Kubernetes and for CRDs, offline.

    k8s-schemas.py --swagger swagger.json --crds DIR [--crds DIR ...] \
                   --k8s-version 1.35.4 --out OUTDIR

Inputs come from Go modules fetched by scripts/setup-toolchain.sh:
  * swagger.json: api/openapi-spec/swagger.json of k8s.io/kubernetes@v<k8s-version>
  * CRDs: example/prometheus-operator-crd/*.yaml of github.com/prometheus-operator/prometheus-operator

Output follows kubeconform's default local layout, so `-schema-location OUTDIR` works:
  OUTDIR/v<k8s-version>-standalone/<kind>-<group's first label>-<version>.json
  OUTDIR/v<k8s-version>-standalone-strict/...   (additionalProperties: false)
(core group kinds have no group part: deployment-apps-v1.json, service-v1.json,
servicemonitor-monitoring-v1.json.)

Conversion, like openapi2jsonschema's Kubernetes flavour: each schema is standalone
(referenced definitions are copied into its own "definitions" block: recursive types
such as JSONSchemaProps stay finite), every "type" also admits null (Helm output often has
`key: null`), int-or-string becomes string|integer, resource.Quantity string|number,
OpenAPI v3 `nullable` / `x-kubernetes-int-or-string` / `x-kubernetes-preserve-unknown-fields`
in CRDs are honoured, descriptions are dropped to keep files small. kubeconform compiles
them as JSON Schema draft 4.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import yaml

REF_PREFIX = "#/definitions/"
INT_OR_STRING = {"type": ["string", "integer", "null"]}
QUANTITY = {"type": ["string", "number", "null"]}
# Keys whose value is a map of name -> schema, and keys whose value is a schema / list of schemas.
SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
SCHEMA_ONE = ("items", "additionalProperties", "not", "additionalItems")
SCHEMA_LIST = ("allOf", "anyOf", "oneOf")


class CrdLoader(yaml.SafeLoader):
    """SafeLoader that reads a bare `=` as the string it is (YAML 1.1 calls it a 'value' tag)."""


CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def file_name(kind: str, group: str, version: str) -> str:
    """kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}.json."""
    suffix = f"-{group.split('.')[0].lower()}" if group else ""
    return f"{kind.lower()}{suffix}-{version.lower()}.json"


def convert(schema, strict: bool):
    """Return a JSON-Schema-draft-4 copy of an OpenAPI (v2 or v3) schema object."""
    if not isinstance(schema, dict):
        return schema
    if schema.get("format") == "int-or-string" or schema.get("x-kubernetes-int-or-string"):
        return copy.deepcopy(INT_OR_STRING)
    out = {}
    for key, val in schema.items():
        if key == "description" or key.startswith("x-") or key in ("nullable", "example", "externalDocs"):
            continue  # annotations only (a *property* named "description" is kept: see SCHEMA_MAPS)
        if key in SCHEMA_MAPS and isinstance(val, dict):
            out[key] = {name: convert(sub, strict) for name, sub in val.items()}
        elif key in SCHEMA_ONE and isinstance(val, dict):
            out[key] = convert(val, strict)
        elif key in SCHEMA_LIST and isinstance(val, list):
            out[key] = [convert(sub, strict) for sub in val]
        else:
            out[key] = copy.deepcopy(val)
    if "type" in out:
        # Allow null everywhere (as kubernetes-json-schema does): Helm renders empty values as null.
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        if "null" not in types:
            types = types + ["null"]
        out["type"] = types
        if "enum" in out and None not in out["enum"]:
            out["enum"] = list(out["enum"]) + [None]
    if (
        strict
        and "properties" in out
        and "additionalProperties" not in out
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def collect_refs(node, found: set[str]):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX) :])
        for val in node.values():
            collect_refs(val, found)
    elif isinstance(node, list):
        for val in node:
            collect_refs(val, found)


def closure(name: str, definitions: dict) -> list[str]:
    """All definitions reachable from `name` through $ref (excluding `name` unless recursive)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        refs: set[str] = set()
        collect_refs(definitions[todo.pop()], refs)
        for ref in refs:
            if ref not in seen:
                if ref not in definitions:
                    raise SystemExit(f"dangling $ref {ref!r} (from {name})")
                seen.add(ref)
                todo.append(ref)
    return sorted(seen)


def write(path: Path, schema: dict) -> None:
    path.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True))


def kubernetes_schemas(swagger: dict, out_dirs: dict[bool, Path]) -> int:
    raw = swagger["definitions"]
    # Quantity is a string in the spec, but manifests write `cpu: 1` and the API accepts it.
    raw = dict(raw)
    raw["io.k8s.apimachinery.pkg.api.resource.Quantity"] = QUANTITY
    count = 0
    for strict, out_dir in out_dirs.items():
        definitions = {name: convert(schema, strict) for name, schema in raw.items()}
        for name, schema in definitions.items():
            gvks = raw[name].get("x-kubernetes-group-version-kind") or []
            if not gvks:
                continue
            doc = {"$schema": "http://json-schema.org/draft-04/schema#", **schema}
            deps = closure(name, definitions)
            if deps:
                doc["definitions"] = {dep: definitions[dep] for dep in deps}
            for gvk in gvks:
                write(out_dir / file_name(gvk["kind"], gvk.get("group", ""), gvk["version"]), doc)
                count += 1
    return count


def crd_schemas(crd_dirs: list[Path], out_dirs: dict[bool, Path]) -> int:
    count = 0
    files = sorted(p for d in crd_dirs for p in d.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    for path in files:
        for crd in yaml.load_all(path.read_text(), Loader=CrdLoader):
            if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            kind, group = spec["names"]["kind"], spec["group"]
            for version in spec.get("versions", []):
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                if not version.get("served", True) or not schema:
                    continue
                for strict, out_dir in out_dirs.items():
                    doc = {"$schema": "http://json-schema.org/draft-04/schema#", **convert(schema, strict)}
                    write(out_dir / file_name(kind, group, version["name"]), doc)
                    count += 1
    return count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--swagger", required=True, type=Path)
    ap.add_argument("--crds", action="append", default=[], type=Path)
    ap.add_argument("--k8s-version", required=True)
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args()

    version = args.k8s_version.lstrip("v")
    out_dirs = {
        False: args.out / f"v{version}-standalone",
        True: args.out / f"v{version}-standalone-strict",
    }
    for d in out_dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    n_k8s = kubernetes_schemas(json.loads(args.swagger.read_text()), out_dirs)
    n_crd = crd_schemas(args.crds, out_dirs)
    print(f"k8s-schemas: wrote {n_k8s} Kubernetes and {n_crd} CRD schema files under {args.out}", file=sys.stderr)
    return 0 if n_k8s else 1


if __name__ == "__main__":
    sys.exit(main())
