"""An independent KServe v2 gRPC client for fastml's serve tests: Debian's python3-grpcio, with stubs
compiled by python3-grpc-tools from the project's .proto. It calls every RPC and prints one JSON object
with the answers, so the test can compare them with `fastml emulate` bit for bit.

usage: kserve_grpc_client.py STUBS_DIR HOST:PORT REQUESTS.json
REQUESTS.json: {"models": [{"name", "input", "shape", "values", "mode": "typed"|"raw"}], "faults": bool}
"""
import json
import struct
import sys

import grpc

sys.path.insert(0, sys.argv[1])
import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as pbg  # noqa: E402

target, spec_file = sys.argv[2], sys.argv[3]
spec = json.load(open(spec_file))
channel = grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", 64 << 20)])
stub = pbg.GRPCInferenceServiceStub(channel)
out = {
    "live": stub.ServerLive(pb.ServerLiveRequest()).live,
    "ready": stub.ServerReady(pb.ServerReadyRequest()).ready,
    "server": {"name": "", "version": "", "extensions": []},
    "models": [],
    "errors": {},
}
meta = stub.ServerMetadata(pb.ServerMetadataRequest())
out["server"] = {"name": meta.name, "version": meta.version, "extensions": list(meta.extensions)}

for m in spec["models"]:
    res = {"name": m["name"], "mode": m["mode"]}
    res["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name=m["name"])).ready
    md = stub.ModelMetadata(pb.ModelMetadataRequest(name=m["name"]))
    res["metadata"] = {
        "inputs": [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in md.inputs],
        "outputs": [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in md.outputs],
    }
    req = pb.ModelInferRequest(model_name=m["name"], id="req-" + m["name"])
    t = req.inputs.add()
    t.name = m["input"]
    t.shape.extend(m["shape"])
    if m["mode"] == "typed":
        t.datatype = "FP32"
        t.contents.fp32_contents.extend(m["values"])
    else:
        t.datatype = "FP64"
        req.raw_input_contents.append(struct.pack("<%dd" % len(m["values"]), *m["values"]))
    r = stub.ModelInfer(req)
    res["id"] = r.id
    outs = []
    for k, o in enumerate(r.outputs):
        if r.raw_output_contents:
            raw = r.raw_output_contents[k]
            fmt = "<%d%s" % (len(raw) // (4 if o.datatype == "FP32" else 8), "f" if o.datatype == "FP32" else "d")
            data = list(struct.unpack(fmt, raw))
        else:
            data = list(o.contents.fp32_contents) if o.datatype == "FP32" else list(o.contents.fp64_contents)
        outs.append({"name": o.name, "datatype": o.datatype, "shape": list(o.shape), "data": data})
    res["outputs"] = outs
    out["models"].append(res)


def code_of(call):
    try:
        call()
        return "OK"
    except grpc.RpcError as e:
        return "%s: %s" % (e.code().name, e.details())


if spec.get("faults"):
    m = spec["models"][0]
    out["errors"]["unknown_model"] = code_of(lambda: stub.ModelInfer(pb.ModelInferRequest(model_name="nope")))
    out["errors"]["model_ready_unknown"] = code_of(lambda: stub.ModelReady(pb.ModelReadyRequest(name="nope")))

    def wrong_name():
        req = pb.ModelInferRequest(model_name=m["name"])
        t = req.inputs.add()
        t.name, t.datatype = "not_an_input", "FP32"
        t.shape.extend(m["shape"])
        t.contents.fp32_contents.extend(m["values"])
        stub.ModelInfer(req)

    def wrong_count():
        req = pb.ModelInferRequest(model_name=m["name"])
        t = req.inputs.add()
        t.name, t.datatype = m["input"], "FP32"
        t.shape.extend(m["shape"])
        t.contents.fp32_contents.extend(m["values"][:-1])
        stub.ModelInfer(req)

    def wrong_raw_size():
        req = pb.ModelInferRequest(model_name=m["name"])
        t = req.inputs.add()
        t.name, t.datatype = m["input"], "FP32"
        t.shape.extend(m["shape"])
        req.raw_input_contents.append(b"\0" * 7)
        stub.ModelInfer(req)

    def wrong_datatype():
        req = pb.ModelInferRequest(model_name=m["name"])
        t = req.inputs.add()
        t.name, t.datatype = m["input"], "BYTES"
        t.shape.extend(m["shape"])
        stub.ModelInfer(req)

    def malformed():
        # Bytes that are not a ModelInferRequest, sent with an identity serializer.
        call = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer", request_serializer=lambda b: b, response_deserializer=lambda b: b)
        call(b"\xff\xff\xff\xff\x0f\x0a\x99")

    out["errors"]["wrong_name"] = code_of(wrong_name)
    out["errors"]["wrong_count"] = code_of(wrong_count)
    out["errors"]["wrong_raw_size"] = code_of(wrong_raw_size)
    out["errors"]["wrong_datatype"] = code_of(wrong_datatype)
    out["errors"]["malformed"] = code_of(malformed)
    # The server still answers after all that.
    out["live_after"] = stub.ServerLive(pb.ServerLiveRequest()).live

print(json.dumps(out))
