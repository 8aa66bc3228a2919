import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Envoy's external-processing API, loaded from the protos that ship inside `@grpc/grpc-js-xds`
 * (its `deps/` holds envoy-api, xds, protoc-gen-validate and googleapis). Field names keep the
 * proto's snake case; enums are strings; oneofs also appear as a virtual field naming the case.
 */
export const EXT_PROC_SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

export function loadExtProc(): grpc.GrpcObject {
  const deps = join(dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const def = protoLoader.loadSync('envoy/service/ext_proc/v3/external_processor.proto', {
    includeDirs: ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) => join(deps, d)),
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(def);
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
export interface ProcessingRequest {
  request?: string;
  request_headers?: { headers?: { headers?: HeaderValue[] }; end_of_stream?: boolean };
  request_body?: { body?: Buffer; end_of_stream?: boolean };
  request_trailers?: object;
  response_headers?: { headers?: { headers?: HeaderValue[] }; end_of_stream?: boolean };
  response_body?: { body?: Buffer; end_of_stream?: boolean };
  response_trailers?: object;
}
