"""Plain-PyTorch transcription of transformers' BERT, DistilBERT and RoBERTa sequence classifiers.

Module and attribute names are chosen so that state_dict() keys equal transformers' exactly;
non-persistent buffers (position_ids, token_type_ids) are registered with persistent=False.
Only the encoder path that sequence classification uses is transcribed (absolute position
embeddings, no cross-attention, no KV cache, no head_mask, eager attention).

Sources read (huggingface/transformers; the stored copy of each file is at its own commit):
  src/transformers/models/bert/modeling_bert.py              @ 8ec58104181bfb34d824d89bccc009b4f6be6e0e
  src/transformers/models/bert/configuration_bert.py         @ 008f5c8c29be84d4721dc6d1e0fcd72300580be4
  src/transformers/models/distilbert/modeling_distilbert.py  @ 00b326f4caca2d1fbebe5c86e1693475fd4d0c9a
  src/transformers/models/distilbert/configuration_distilbert.py @ 06053b84c14d72e9789fbf27844a75aa89b3ded7
  src/transformers/models/roberta/modeling_roberta.py        @ 000824f17f924a8b520edf04c597c461fc83356a
  src/transformers/models/roberta/configuration_roberta.py   @ 0b03d5ce0507cba43a768b52edf5c39fc523bc79
The classes transcribed here are unchanged in substance across those commits.
"""

import math

import torch
from torch import nn
from torch.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

TRANSFORMERS_COMMIT = "8ec58104181bfb34d824d89bccc009b4f6be6e0e"
TRANSFORMERS_FILES = {
    "src/transformers/models/bert/modeling_bert.py": "8ec58104181bfb34d824d89bccc009b4f6be6e0e",
    "src/transformers/models/bert/configuration_bert.py": "008f5c8c29be84d4721dc6d1e0fcd72300580be4",
    "src/transformers/models/distilbert/modeling_distilbert.py": "00b326f4caca2d1fbebe5c86e1693475fd4d0c9a",
    "src/transformers/models/distilbert/configuration_distilbert.py": "06053b84c14d72e9789fbf27844a75aa89b3ded7",
    "src/transformers/models/roberta/modeling_roberta.py": "000824f17f924a8b520edf04c597c461fc83356a",
    "src/transformers/models/roberta/configuration_roberta.py": "0b03d5ce0507cba43a768b52edf5c39fc523bc79",
}

# ---------------------------------------------------------------------------------------------
# Configs: defaults exactly as the configuration_*.py __init__ signatures have them.

BERT_DEFAULTS = dict(
    vocab_size=30522,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    hidden_act="gelu",
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    max_position_embeddings=512,
    type_vocab_size=2,
    initializer_range=0.02,
    layer_norm_eps=1e-12,
    pad_token_id=0,
    position_embedding_type="absolute",
    use_cache=True,
    classifier_dropout=None,
)
# RobertaConfig(BertConfig): pad_token_id=1, bos_token_id=0, eos_token_id=2, other defaults = BERT's.
ROBERTA_DEFAULTS = dict(BERT_DEFAULTS, pad_token_id=1, bos_token_id=0, eos_token_id=2)
DISTILBERT_DEFAULTS = dict(
    vocab_size=30522,
    max_position_embeddings=512,
    sinusoidal_pos_embds=False,
    n_layers=6,
    n_heads=12,
    dim=768,
    hidden_dim=4 * 768,
    dropout=0.1,
    attention_dropout=0.1,
    activation="gelu",
    initializer_range=0.02,
    qa_dropout=0.1,
    seq_classif_dropout=0.2,
    pad_token_id=0,
)
DEFAULTS = {"bert": BERT_DEFAULTS, "roberta": ROBERTA_DEFAULTS, "distilbert": DISTILBERT_DEFAULTS}
# DistilBertConfig.attribute_map
ATTRIBUTE_MAP = {"distilbert": {"hidden_size": "dim", "num_attention_heads": "n_heads", "num_hidden_layers": "n_layers"}}
PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")


class Config:
    """A config.json decoded with the model type's defaults (PretrainedConfig semantics for labels)."""

    def __init__(self, d):
        d = dict(d)
        mt = d.get("model_type")
        if mt not in DEFAULTS:
            raise ValueError(f"config: unsupported model_type {mt!r} (want one of {sorted(DEFAULTS)})")
        amap = ATTRIBUTE_MAP.get(mt, {})
        for alias, real in amap.items():
            if alias in d:
                d.setdefault(real, d.pop(alias))
        self.__dict__["_amap"] = amap
        vals = dict(DEFAULTS[mt])
        vals.update(d)
        # PretrainedConfig: id2label wins over num_labels; keys come back from JSON as strings.
        if d.get("id2label"):
            id2label = {int(k): v for k, v in d["id2label"].items()}
        else:
            n = int(d.get("num_labels", 2))
            id2label = {i: f"LABEL_{i}" for i in range(n)}
        vals["id2label"] = id2label
        vals["label2id"] = d.get("label2id") or {v: k for k, v in id2label.items()}
        vals["num_labels"] = len(id2label)
        vals.setdefault("problem_type", None)
        if vals["problem_type"] is not None and vals["problem_type"] not in PROBLEM_TYPES:
            raise ValueError(f"config: problem_type {vals['problem_type']!r} not in {PROBLEM_TYPES}")
        self.__dict__.update(vals)

    def __getattr__(self, name):
        amap = self.__dict__.get("_amap", {})
        if name in amap:
            return self.__dict__[amap[name]]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        self.__dict__[self._amap.get(name, name)] = value


# ---------------------------------------------------------------------------------------------
# Activations (transformers activations.py ACT2FN; DistilBERT's get_activation uses the same table).


class NewGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


def act_fn(name):
    table = {
        "gelu": lambda: nn.GELU(),  # exact erf GELU (GELUActivation -> nn.functional.gelu)
        "relu": lambda: nn.ReLU(),
        "gelu_new": lambda: NewGELU(),
        "gelu_pytorch_tanh": lambda: nn.GELU(approximate="tanh"),
        "quick_gelu": lambda: QuickGELU(),
        "silu": lambda: nn.SiLU(),
        "swish": lambda: nn.SiLU(),
        "tanh": lambda: nn.Tanh(),
    }
    if name not in table:
        raise ValueError(f"activation {name!r} not supported by the reference (have {sorted(table)})")
    return table[name]()


# ---------------------------------------------------------------------------------------------
# BERT (modeling_bert.py)


class BertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        if config.position_embedding_type != "absolute":
            raise ValueError(f"position_embedding_type {config.position_embedding_type!r} not supported")
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False
        )
        self.register_buffer(
            "token_type_ids", torch.zeros(self.position_ids.size(), dtype=torch.long), persistent=False
        )

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        seq_length = input_ids.size(1)
        if position_ids is None:
            position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = self.token_type_ids[:, :seq_length].expand(input_ids.size(0), seq_length)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings += self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.hidden_size % config.num_attention_heads != 0:
            raise ValueError(
                f"hidden_size {config.hidden_size} is not a multiple of num_attention_heads {config.num_attention_heads}"
            )
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def transpose_for_scores(self, x):
        x = x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size))
        return x.permute(0, 2, 1, 3)  # [B, heads, S, d]

    def forward(self, hidden_states, attention_mask=None):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            attention_scores = attention_scores + attention_mask  # additive [B,1,1,S]
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        return context_layer.view(context_layer.size()[:-2] + (self.all_head_size,))


class BertSelfOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, attention_mask=None):
        return self.output(self.self(hidden_states, attention_mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = act_fn(config.hidden_act)

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask=None):
        attention_output = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask=None):
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


def extended_attention_mask(attention_mask, dtype):
    """ModuleUtilsMixin.get_extended_attention_mask for an encoder: (1 - mask) * finfo(dtype).min."""
    ext = attention_mask[:, None, None, :].to(dtype=dtype)  # [B,1,1,S]
    return (1.0 - ext) * torch.finfo(dtype).min


class BertModel(nn.Module):
    embeddings_class = BertEmbeddings

    def __init__(self, config, add_pooling_layer=True):
        super().__init__()
        self.config = config
        self.embeddings = self.embeddings_class(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        embedding_output = self.embeddings(input_ids, token_type_ids=token_type_ids)
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape, device=input_ids.device)
        ext = extended_attention_mask(attention_mask, embedding_output.dtype)
        sequence_output = self.encoder(embedding_output, ext)
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return sequence_output, pooled_output


def classification_loss(config, num_labels, logits, labels):
    """The problem_type dispatch shared by the three *ForSequenceClassification heads."""
    if config.problem_type is None:
        if num_labels == 1:
            config.problem_type = "regression"
        elif num_labels > 1 and (labels.dtype == torch.long or labels.dtype == torch.int):
            config.problem_type = "single_label_classification"
        else:
            config.problem_type = "multi_label_classification"
    if config.problem_type == "regression":
        loss_fct = MSELoss()
        if num_labels == 1:
            return loss_fct(logits.squeeze(), labels.squeeze())
        return loss_fct(logits, labels)
    if config.problem_type == "single_label_classification":
        return CrossEntropyLoss()(logits.view(-1, num_labels), labels.view(-1))
    return BCEWithLogitsLoss()(logits, labels)


class BertForSequenceClassification(nn.Module):
    base_model_prefix = "bert"

    def __init__(self, config):
        super().__init__()
        self.num_labels = config.num_labels
        self.config = config
        self.bert = BertModel(config)
        classifier_dropout = (
            config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        )
        self.dropout = nn.Dropout(classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        _, pooled_output = self.bert(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        logits = self.classifier(self.dropout(pooled_output))
        loss = None if labels is None else classification_loss(self.config, self.num_labels, logits, labels)
        return logits, loss


# ---------------------------------------------------------------------------------------------
# RoBERTa (modeling_roberta.py): BERT's encoder, padding-aware position ids, no pooler for the
# classification head, RobertaClassificationHead.


def create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length=0):
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = (torch.cumsum(mask, dim=1).type_as(mask) + past_key_values_length) * mask
    return incremental_indices.long() + padding_idx


class RobertaEmbeddings(BertEmbeddings):
    def __init__(self, config):
        super().__init__(config)
        self.padding_idx = config.pad_token_id
        self.position_embeddings = nn.Embedding(
            config.max_position_embeddings, config.hidden_size, padding_idx=self.padding_idx
        )

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        if position_ids is None:
            position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
        return super().forward(input_ids, token_type_ids=token_type_ids, position_ids=position_ids)


class RobertaModel(BertModel):
    embeddings_class = RobertaEmbeddings


class RobertaClassificationHead(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        classifier_dropout = (
            config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        )
        self.dropout = nn.Dropout(classifier_dropout)
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, features):
        x = features[:, 0, :]  # <s>
        x = self.dropout(x)
        x = torch.tanh(self.dense(x))
        x = self.dropout(x)
        return self.out_proj(x)


class RobertaForSequenceClassification(nn.Module):
    base_model_prefix = "roberta"

    def __init__(self, config):
        super().__init__()
        self.num_labels = config.num_labels
        self.config = config
        self.roberta = RobertaModel(config, add_pooling_layer=False)
        self.classifier = RobertaClassificationHead(config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        sequence_output, _ = self.roberta(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        logits = self.classifier(sequence_output)
        loss = None if labels is None else classification_loss(self.config, self.num_labels, logits, labels)
        return logits, loss


# ---------------------------------------------------------------------------------------------
# DistilBERT (modeling_distilbert.py): LayerNorm eps 1e-12 hard-coded, masked_fill attention mask,
# q scaled before the matmul.


class Embeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.sinusoidal_pos_embds:
            raise ValueError("sinusoidal_pos_embds=true is not supported by the reference")
        self.word_embeddings = nn.Embedding(config.vocab_size, config.dim, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.dim)
        self.LayerNorm = nn.LayerNorm(config.dim, eps=1e-12)
        self.dropout = nn.Dropout(config.dropout)
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False
        )

    def forward(self, input_ids):
        position_ids = self.position_ids[:, : input_ids.size(1)]
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_heads = config.n_heads
        self.dim = config.dim
        if self.dim % self.n_heads != 0:
            raise ValueError(f"n_heads {self.n_heads} must divide dim {self.dim} evenly")
        self.dropout = nn.Dropout(p=config.attention_dropout)
        self.q_lin = nn.Linear(config.dim, config.dim)
        self.k_lin = nn.Linear(config.dim, config.dim)
        self.v_lin = nn.Linear(config.dim, config.dim)
        self.out_lin = nn.Linear(config.dim, config.dim)

    def forward(self, query, key, value, mask):
        bs, q_length, dim = query.size()
        k_length = key.size(1)
        dim_per_head = self.dim // self.n_heads
        mask_reshp = (bs, 1, 1, k_length)

        def shape(x):
            return x.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        def unshape(x):
            return x.transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)

        q = shape(self.q_lin(query))
        k = shape(self.k_lin(key))
        v = shape(self.v_lin(value))
        q = q / math.sqrt(dim_per_head)
        scores = torch.matmul(q, k.transpose(2, 3))
        mask = (mask == 0).view(mask_reshp).expand_as(scores)
        scores = scores.masked_fill(mask, torch.tensor(torch.finfo(scores.dtype).min))
        weights = self.dropout(nn.functional.softmax(scores, dim=-1))
        context = unshape(torch.matmul(weights, v))
        return self.out_lin(context)


class FFN(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dropout = nn.Dropout(p=config.dropout)
        self.lin1 = nn.Linear(config.dim, config.hidden_dim)
        self.lin2 = nn.Linear(config.hidden_dim, config.dim)
        self.activation = act_fn(config.activation)

    def forward(self, x):
        return self.dropout(self.lin2(self.activation(self.lin1(x))))


class TransformerBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = MultiHeadSelfAttention(config)
        self.sa_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)
        self.ffn = FFN(config)
        self.output_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)

    def forward(self, x, attn_mask):
        sa_output = self.sa_layer_norm(self.attention(x, x, x, attn_mask) + x)
        return self.output_layer_norm(self.ffn(sa_output) + sa_output)


class Transformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(config) for _ in range(config.n_layers)])

    def forward(self, x, attn_mask):
        for layer_module in self.layer:
            x = layer_module(x, attn_mask)
        return x


class DistilBertModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embeddings = Embeddings(config)
        self.transformer = Transformer(config)

    def forward(self, input_ids, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape, device=input_ids.device)
        return self.transformer(self.embeddings(input_ids), attention_mask)


class DistilBertForSequenceClassification(nn.Module):
    base_model_prefix = "distilbert"

    def __init__(self, config):
        super().__init__()
        self.num_labels = config.num_labels
        self.config = config
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.dim, config.dim)
        self.classifier = nn.Linear(config.dim, config.num_labels)
        self.dropout = nn.Dropout(config.seq_classif_dropout)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        del token_type_ids  # DistilBERT has no segment embeddings.
        hidden_state = self.distilbert(input_ids, attention_mask=attention_mask)
        pooled_output = nn.ReLU()(self.pre_classifier(hidden_state[:, 0]))
        logits = self.classifier(self.dropout(pooled_output))
        loss = None if labels is None else classification_loss(self.config, self.num_labels, logits, labels)
        return logits, loss


# ---------------------------------------------------------------------------------------------

ARCHITECTURES = {
    "BertForSequenceClassification": ("bert", BertForSequenceClassification),
    "DistilBertForSequenceClassification": ("distilbert", DistilBertForSequenceClassification),
    "RobertaForSequenceClassification": ("roberta", RobertaForSequenceClassification),
    "BertModel": ("bert", BertModel),
}


def build(architecture, config):
    """Instantiate a class by its transformers name; checks model_type agreement."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture {architecture!r} not supported (have {sorted(ARCHITECTURES)})")
    model_type, cls = ARCHITECTURES[architecture]
    if config.model_type != model_type:
        raise ValueError(f"architecture {architecture} needs model_type {model_type!r}, config has {config.model_type!r}")
    return cls(config)


def init_weights(model, std, generator=None):
    """PreTrainedModel._init_weights as the three models define it (identical for all three)."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=std, generator=generator)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=std, generator=generator)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)


def decay_parameter_names(model):
    """Trainer.get_decay_parameter_names: parameters outside ALL_LAYERNORM_LAYERS ([nn.LayerNorm])
    whose name does not contain "bias"."""
    result = []

    def walk(module, prefix):
        for name, child in module.named_children():
            child_prefix = f"{prefix}{name}."
            if isinstance(child, nn.LayerNorm):
                continue
            walk(child, child_prefix)
        for name, _ in module.named_parameters(recurse=False):
            result.append(f"{prefix}{name}")

    walk(model, "")
    return [n for n in result if "bias" not in n]
