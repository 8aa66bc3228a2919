import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/**
 * Envoy's external-processing API, loaded from the protos that ship inside `@grpc/grpc-js-xds`
 * (its `deps/` holds envoy-api, xds, protoc-gen-validate and googleapis). Field names keep the
 * proto's snake case; enums are strings; oneofs also appear as a virtual field naming the case.
 */
export const EXT_PROC_SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true };

/**
 * The protos shipped in `@grpc/grpc-js-xds` predate Envoy's FULL_DUPLEX_STREAMED body mode, whose
 * answers carry the body in `BodyMutation.streamed_response` (field 3, a `StreamedBodyResponse`
 * { bytes body = 1; bool end_of_stream = 2; }, as in envoy/api/envoy/service/ext_proc/v3/
 * external_processor.proto since Envoy 1.33). Both are added to the loaded definitions here when
 * missing, with the same field numbers, so the wire format is Envoy's.
 */
function addStreamedBodyResponse(root: protobuf.Root): void {
  const ns = 'envoy.service.ext_proc.v3';
  const bodyMutation = root.lookupType(`${ns}.BodyMutation`);
  if (bodyMutation.fields.streamed_response) return;
  const streamed = new protobuf.Type('StreamedBodyResponse').add(new protobuf.Field('body', 1, 'bytes')).add(new protobuf.Field('end_of_stream', 2, 'bool'));
  (root.lookup(ns) as protobuf.Namespace).add(streamed);
  const field = new protobuf.Field('streamed_response', 3, 'StreamedBodyResponse');
  bodyMutation.add(field);
  (bodyMutation.oneofs.mutation as protobuf.OneOf).add(field);
}

export function loadExtProc(): grpc.GrpcObject {
  const deps = join(dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const includeDirs = ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) => join(deps, d));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of includeDirs) {
      const full = join(dir, target);
      if (existsSync(full)) return full;
    }
    return target;
  };
  root.loadSync('envoy/service/ext_proc/v3/external_processor.proto', { keepCase: true });
  root.resolveAll();
  addStreamedBodyResponse(root);
  return grpc.loadPackageDefinition(protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS));
}

export function extProcService(pkg: grpc.GrpcObject): grpc.ServiceDefinition {
  let o: unknown = pkg;
  for (const part of EXT_PROC_SERVICE.split('.')) o = (o as Record<string, unknown>)[part];
  return (o as grpc.ServiceClientConstructor).service;
}

/** The constructor of a client for the service (tests play Envoy with it). */
export function extProcClient(pkg: grpc.GrpcObject): grpc.ServiceClientConstructor {
  let o: unknown = pkg;
  for (const part of EXT_PROC_SERVICE.split('.')) o = (o as Record<string, unknown>)[part];
  return o as grpc.ServiceClientConstructor;
}

/** The subset of envoy.service.ext_proc.v3 messages this endpoint picker reads and writes. */
export interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Buffer;
}
/** google.protobuf.Struct as protobufjs decodes it (its bundled well-known types are camelCase). */
export interface StructValue {
  fields?: Record<string, { stringValue?: string; structValue?: StructValue; listValue?: { values?: { stringValue?: string }[] } }>;
}
export interface ProcessingRequest {
  request?: string;
  metadata_context?: { filter_metadata?: Record<string, StructValue> };
  request_headers?: { headers?: { headers?: HeaderValue[] }; end_of_stream?: boolean };
  request_body?: { body?: Buffer; end_of_stream?: boolean };
  request_trailers?: object;
  response_headers?: { headers?: { headers?: HeaderValue[] }; end_of_stream?: boolean };
  response_body?: { body?: Buffer; end_of_stream?: boolean };
  response_trailers?: object;
}
