// The chat tokenizer: template, answer tokenisations (bpe | hybrid), compact vocabulary, chat JSONL.
export { ChatTokenizer, CAPS_LOCK, TAGS, capsLock, capsUnlock, tagAnswer, untagAnswer, type BuildOptions, type EncodedChat } from './tokenizer.ts';
export { Vocab, SPECIALS, MODES, BPE_ENCODING, type Mode, type Special, type Token, type VocabJSON } from './vocab.ts';
export { validateConversation, parseChatJsonl, chatJsonlLines, type ChatLine, type Conversation, type Message, type Role, type ValidateOptions } from './chat.ts';
