package tokenizer_test

import (
	"fmt"

	"github.com/hftrain/hftrain/data/tokenizer"
)

func Example() {
	// A tiny WordPiece tokenizer.json; real files come from the Hugging Face Hub.
	const js = `{"added_tokens":[{"id":2,"content":"[CLS]","special":true},{"id":3,"content":"[SEP]","special":true}],
	"normalizer":{"type":"BertNormalizer","lowercase":true},"pre_tokenizer":{"type":"BertPreTokenizer"},
	"post_processor":{"type":"BertProcessing","sep":["[SEP]",3],"cls":["[CLS]",2]},
	"decoder":{"type":"WordPiece"},
	"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"go":4,"##pher":5,"!":6}}}`
	tk, err := tokenizer.FromBytes("example", []byte(js))
	if err != nil {
		fmt.Println(err)
		return
	}
	enc, err := tk.Encode("Gopher!", true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(enc.Tokens, enc.IDs, enc.Offsets)
	text, _ := tk.Decode(enc.IDs, true)
	fmt.Println(text)
	// Output:
	// [[CLS] go ##pher ! [SEP]] [2 4 5 6 3] [[0 0] [0 2] [2 6] [6 7] [0 0]]
	// gopher!
}
