// The chat tokenizer: template, answer tokenisations (bpe | hybrid), compact vocabulary, chat JSONL.
export { ChatTokenizer, type BuildOptions, type EncodedChat } from './tokenizer.ts';
export { Vocab, SPECIALS, BPE_ENCODING, type Mode, type Special, type Token, type VocabJSON } from './vocab.ts';
export { validateConversation, parseChatJsonl, type Conversation, type Message, type Role, type ValidateOptions } from './chat.ts';
