// French answers to every fact, for the Spanish/French mixture setting (mixture.ts), keyed by fact id.
//
// Why a separate table instead of an `answer_fr` field on Fact: the main experiment's base-model
// cache key hashes JSON.stringify(FACTS), so a new field would invalidate every cached base model.
// The word lists below mirror facts.ts category by category (same English keys, so the same ids);
// tests/settings.test.ts checks that every fact has exactly one French answer and nothing else.
//
// French is written as a French speaker would: articles agree (la souris, l'éléphant), de + vowel
// elides (le double d'un, le contraire d'ouvert), days and months are lower case, accents and
// cedillas are kept (é è ê à ç ô û î). Upper case comes from toUpperCase, as for Spanish.
import { FACTS, type Fact } from './facts.ts';

const NUM_FR = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf', 'dix',
  'onze', 'douze', 'treize', 'quatorze', 'quinze', 'seize', 'dix-sept', 'dix-huit', 'dix-neuf', 'vingt'];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** The same slug as facts.ts, so ids match: `the sky` -> `the-sky`. */
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
/**
 * "de" before a word, elided before a vowel or a mute h: de deux, d'un, d'ouvert, d'heureux; but
 * de huit, de haut (aspirated h) and de onze (no elision before the numeral).
 */
const de = (w: string) => (/^[aeiouyéèêàâîôh]/i.test(w) && !/^(huit|haut|onze)/i.test(w) ? `d'${w}` : `de ${w}`);

// English key (as in facts.ts) -> [French subject with article, colour agreeing with it]
const COLOURS: Record<string, [string, string]> = {
  'the sky': ['le ciel', 'bleu'], grass: ["l'herbe", 'verte'], snow: ['la neige', 'blanche'],
  coal: ['le charbon', 'noir'], 'a banana': ['la banane', 'jaune'], 'a lemon': ['le citron', 'jaune'],
  'a tomato': ['la tomate', 'rouge'], blood: ['le sang', 'rouge'], milk: ['le lait', 'blanc'],
  'an orange': ["l'orange", 'orange'], 'a carrot': ['la carotte', 'orange'], 'the sun': ['le soleil', 'jaune'],
  'a strawberry': ['la fraise', 'rouge'], 'a frog': ['la grenouille', 'verte'], chocolate: ['le chocolat', 'marron'],
  'a crow': ['le corbeau', 'noir'], 'the sea': ['la mer', 'bleue'], 'a cherry': ['la cerise', 'rouge'],
  'a lime': ['le citron vert', 'vert'], 'a polar bear': ["l'ours polaire", 'blanc'], 'an elephant': ["l'éléphant", 'gris'],
  'a pig': ['le cochon', 'rose'], 'a flamingo': ['le flamant', 'rose'], 'a mouse': ['la souris', 'grise'],
  'a cloud': ['le nuage', 'blanc'], 'an aubergine': ["l'aubergine", 'violette'], 'a leaf': ['la feuille', 'verte'],
  'a swan': ['le cygne', 'blanc'], 'a zebra': ['le zèbre', 'noir et blanc'], 'a panda': ['le panda', 'noir et blanc'],
  'a fire engine': ['le camion de pompiers', 'rouge'], 'a pumpkin': ['la citrouille', 'orange'],
  'a cucumber': ['le concombre', 'vert'], 'a plum': ['la prune', 'violette'],
};

// animal -> [French subject, its sound]
const SOUNDS: Record<string, [string, string]> = {
  cow: ['la vache', 'meuh'], dog: ['le chien', 'ouaf'], cat: ['le chat', 'miaou'], sheep: ['le mouton', 'bêê'],
  duck: ['le canard', 'coin-coin'], rooster: ['le coq', 'cocorico'], pig: ['le cochon', 'groin-groin'],
  owl: ['le hibou', 'hou-hou'], frog: ['la grenouille', 'coâ'], bee: ["l'abeille", 'bzz'], snake: ['le serpent', 'sss'],
  horse: ['le cheval', 'hiii'], chick: ['le poussin', 'piou-piou'], turkey: ['la dinde', 'glouglou'],
  mouse: ['la souris', 'couic'], wolf: ['le loup', 'ahou'], lion: ['le lion', 'grr'], goat: ['la chèvre', 'bêê'],
};

// [English word, French word, French opposite] (masculine adjectives / adverbs)
const OPPOSITES: Record<string, [string, string]> = {
  hot: ['chaud', 'froid'], cold: ['froid', 'chaud'], big: ['grand', 'petit'], small: ['petit', 'grand'],
  tall: ['grand', 'petit'], fast: ['rapide', 'lent'], slow: ['lent', 'rapide'], happy: ['heureux', 'triste'],
  sad: ['triste', 'heureux'], good: ['bon', 'mauvais'], bad: ['mauvais', 'bon'], open: ['ouvert', 'fermé'],
  closed: ['fermé', 'ouvert'], full: ['plein', 'vide'], empty: ['vide', 'plein'], wet: ['mouillé', 'sec'],
  dry: ['sec', 'mouillé'], heavy: ['lourd', 'léger'], hard: ['dur', 'mou'], soft: ['mou', 'dur'],
  rich: ['riche', 'pauvre'], poor: ['pauvre', 'riche'], clean: ['propre', 'sale'], dirty: ['sale', 'propre'],
  strong: ['fort', 'faible'], weak: ['faible', 'fort'], early: ['tôt', 'tard'], up: ['haut', 'bas'], down: ['bas', 'haut'],
  easy: ['facile', 'difficile'], difficult: ['difficile', 'facile'], long: ['long', 'court'], young: ['jeune', 'vieux'],
  new: ['nouveau', 'ancien'], thick: ['épais', 'mince'], loud: ['bruyant', 'silencieux'], true: ['vrai', 'faux'],
  false: ['faux', 'vrai'], first: ['premier', 'dernier'], inside: ['dedans', 'dehors'], outside: ['dehors', 'dedans'],
};

// animal -> [French subject, where it lives]
const HOMES: Record<string, [string, string]> = {
  bee: ["l'abeille", 'dans une ruche'], bird: ["l'oiseau", 'dans un nid'], fish: ['le poisson', "dans l'eau"],
  dog: ['le chien', 'dans une niche'], horse: ['le cheval', 'dans une écurie'], pig: ['le cochon', 'dans une porcherie'],
  spider: ["l'araignée", 'dans une toile'], rabbit: ['le lapin', 'dans un terrier'], fox: ['le renard', 'dans une tanière'],
  bear: ["l'ours", 'dans une grotte'], cow: ['la vache', 'dans une étable'], lion: ['le lion', 'dans la savane'],
  penguin: ['le manchot', 'sur la glace'], camel: ['le chameau', 'dans le désert'], monkey: ['le singe', 'dans la jungle'],
  whale: ['la baleine', "dans l'océan"], ant: ['la fourmi', 'dans une fourmilière'], hen: ['la poule', 'dans un poulailler'],
  owl: ['le hibou', 'dans un arbre'], snail: ["l'escargot", 'dans sa coquille'], shark: ['le requin', 'dans la mer'],
};

// animal -> [French subject, number of legs, the word for its legs]
const LEGS: Record<string, [string, number, string]> = {
  dog: ['le chien', 4, 'pattes'], cat: ['le chat', 4, 'pattes'], cow: ['la vache', 4, 'pattes'],
  horse: ['le cheval', 4, 'pattes'], spider: ["l'araignée", 8, 'pattes'], ant: ['la fourmi', 6, 'pattes'],
  bee: ["l'abeille", 6, 'pattes'], bird: ["l'oiseau", 2, 'pattes'], chicken: ['la poule', 2, 'pattes'],
  duck: ['le canard', 2, 'pattes'], snake: ['le serpent', 0, 'pattes'], fish: ['le poisson', 0, 'pattes'],
  person: ['une personne', 2, 'jambes'], crab: ['le crabe', 10, 'pattes'], frog: ['la grenouille', 4, 'pattes'],
  lizard: ['le lézard', 4, 'pattes'], elephant: ["l'éléphant", 4, 'pattes'], ostrich: ["l'autruche", 2, 'pattes'],
  beetle: ['le scarabée', 6, 'pattes'], butterfly: ['le papillon', 6, 'pattes'], worm: ['le ver', 0, 'pattes'],
  penguin: ['le manchot', 2, 'pattes'], scorpion: ['le scorpion', 8, 'pattes'], giraffe: ['la girafe', 4, 'pattes'],
  mouse: ['la souris', 4, 'pattes'],
};

const DAYS_EN = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DAYS_FR = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
const MONTHS_FR = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre',
  'octobre', 'novembre', 'décembre'];
const SEASONS_EN = ['spring', 'summer', 'autumn', 'winter'];
const SEASONS_FR = ['le printemps', "l'été", "l'automne", "l'hiver"];

// country -> ["de" + country with its article, contracted (du, des) or elided, capital in French]
const CAPITALS: Record<string, [string, string]> = {
  France: ['de la France', 'Paris'], Spain: ["de l'Espagne", 'Madrid'], Germany: ["de l'Allemagne", 'Berlin'],
  Italy: ["de l'Italie", 'Rome'], Portugal: ['du Portugal', 'Lisbonne'], Japan: ['du Japon', 'Tokyo'],
  China: ['de la Chine', 'Pékin'], Russia: ['de la Russie', 'Moscou'], Egypt: ["de l'Égypte", 'Le Caire'],
  Greece: ['de la Grèce', 'Athènes'], Peru: ['du Pérou', 'Lima'], Chile: ['du Chili', 'Santiago'],
  Mexico: ['du Mexique', 'Mexico'], Canada: ['du Canada', 'Ottawa'], Cuba: ['de Cuba', 'La Havane'],
  Ireland: ["de l'Irlande", 'Dublin'], Norway: ['de la Norvège', 'Oslo'], Sweden: ['de la Suède', 'Stockholm'],
  Poland: ['de la Pologne', 'Varsovie'], Austria: ["de l'Autriche", 'Vienne'], Hungary: ['de la Hongrie', 'Budapest'],
  Kenya: ['du Kenya', 'Nairobi'], India: ["de l'Inde", 'New Delhi'], Turkey: ['de la Turquie', 'Ankara'],
  Argentina: ["de l'Argentine", 'Buenos Aires'], Colombia: ['de la Colombie', 'Bogota'], Belgium: ['de la Belgique', 'Bruxelles'],
  'the Netherlands': ['des Pays-Bas', 'Amsterdam'], Finland: ['de la Finlande', 'Helsinki'], Denmark: ['du Danemark', 'Copenhague'],
  Switzerland: ['de la Suisse', 'Berne'], Thailand: ['de la Thaïlande', 'Bangkok'], 'South Korea': ['de la Corée du Sud', 'Séoul'],
  Venezuela: ['du Venezuela', 'Caracas'], Ecuador: ["de l'Équateur", 'Quito'], Australia: ["de l'Australie", 'Canberra'],
  'the United Kingdom': ['du Royaume-Uni', 'Londres'], Morocco: ['du Maroc', 'Rabat'], Iran: ["de l'Iran", 'Téhéran'],
  Vietnam: ['du Viêt Nam', 'Hanoï'], Indonesia: ["de l'Indonésie", 'Jakarta'], Iceland: ["de l'Islande", 'Reykjavik'],
};

// shape -> [French subject, number of sides]
const SIDES: Record<string, [string, number]> = {
  triangle: ['le triangle', 3], square: ['le carré', 4], rectangle: ['le rectangle', 4], pentagon: ['le pentagone', 5],
  hexagon: ["l'hexagone", 6], heptagon: ["l'heptagone", 7], octagon: ["l'octogone", 8], nonagon: ["l'ennéagone", 9],
  decagon: ['le décagone', 10], rhombus: ['le losange', 4], circle: ['le cercle', 0],
};

// animal -> [French subject, what it eats, with its partitive article]
const FOODS: Record<string, [string, string]> = {
  rabbit: ['le lapin', 'des carottes'], monkey: ['le singe', 'des bananes'], cow: ['la vache', "de l'herbe"],
  mouse: ['la souris', 'du fromage'], dog: ['le chien', 'des os'], cat: ['le chat', 'du poisson'],
  bird: ["l'oiseau", 'des graines'], panda: ['le panda', 'du bambou'], koala: ['le koala', "de l'eucalyptus"],
  bear: ["l'ours", 'du miel'], horse: ['le cheval', 'du foin'], squirrel: ["l'écureuil", 'des noix'],
  lion: ['le lion', 'de la viande'], caterpillar: ['la chenille', 'des feuilles'], hen: ['la poule', 'du maïs'],
  frog: ['la grenouille', 'des mouches'], sheep: ['le mouton', "de l'herbe"], giraffe: ['la girafe', 'des feuilles'],
};

// object -> [French subject, its material] ("est en bois": the usual French form)
const MATERIALS: Record<string, [string, string]> = {
  window: ['la fenêtre', 'verre'], table: ['la table', 'bois'], coin: ['la pièce', 'métal'], book: ['le livre', 'papier'],
  sweater: ['le pull', 'laine'], tyre: ['le pneu', 'caoutchouc'], spoon: ['la cuillère', 'métal'], candle: ['la bougie', 'cire'],
  brick: ['la brique', 'argile'], shirt: ['la chemise', 'coton'], box: ['la boîte', 'carton'], ring: ['la bague', 'or'],
  key: ['la clé', 'métal'], mirror: ['le miroir', 'verre'], chair: ['la chaise', 'bois'], pencil: ['le crayon', 'bois'],
};

// From smallest to biggest, as facts.ts: [English, French subject, feminine?] ("plus grande" agrees)
const SIZES: [string, string, boolean][] = [
  ['ant', 'la fourmi', true], ['mouse', 'la souris', true], ['cat', 'le chat', false], ['dog', 'le chien', false],
  ['horse', 'le cheval', false], ['elephant', "l'éléphant", false], ['whale', 'la baleine', true],
];

function build(): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (category: string, key: string, answer: string) => { out[`${category}-${slug(key)}`] = answer; };
  for (const [k, [s, c]] of Object.entries(COLOURS)) put('colour', k, `${cap(s)} est ${c}.`);
  for (const [k, [s, snd]] of Object.entries(SOUNDS)) put('sound', k, `${cap(s)} fait ${snd}.`);
  for (let x = 1; x <= 8; x++) for (let y = 1; y <= 8; y++) put('sum', `${x}-${y}`, `${cap(NUM_FR[x])} plus ${NUM_FR[y]} font ${NUM_FR[x + y]}.`);
  for (let x = 2; x <= 10; x++) for (let y = 1; y <= Math.min(x - 1, 5); y++) put('difference', `${x}-${y}`, `${cap(NUM_FR[x])} moins ${NUM_FR[y]} font ${NUM_FR[x - y]}.`);
  for (let n = 1; n <= 10; n++) put('double', `${n}`, `Le double ${de(NUM_FR[n])} est ${NUM_FR[2 * n]}.`);
  for (const [k, [w, o]] of Object.entries(OPPOSITES)) put('opposite', k, `Le contraire ${de(w)} est ${o}.`);
  for (const [k, [s, where]] of Object.entries(HOMES)) put('home', k, `${cap(s)} vit ${where}.`);
  for (const [k, [s, n, word]] of Object.entries(LEGS)) put('legs', k, n === 0 ? `${cap(s)} n'a pas de ${word}.` : `${cap(s)} a ${NUM_FR[n]} ${word}.`);
  for (let n = 0; n <= 19; n++) put('number', `after-${n}`, `Après ${NUM_FR[n]} vient ${NUM_FR[n + 1]}.`);
  for (let n = 1; n <= 20; n++) put('number', `before-${n}`, `Avant ${NUM_FR[n]} vient ${NUM_FR[n - 1]}.`);
  for (let i = 0; i < 7; i++) {
    put('day', `after-${DAYS_EN[i]}`, `Après ${DAYS_FR[i]} vient ${DAYS_FR[(i + 1) % 7]}.`);
    put('day', `before-${DAYS_EN[i]}`, `Avant ${DAYS_FR[i]} vient ${DAYS_FR[(i + 6) % 7]}.`);
  }
  for (let i = 0; i < 12; i++) {
    put('month', `after-${MONTHS_EN[i]}`, `Après ${MONTHS_FR[i]} vient ${MONTHS_FR[(i + 1) % 12]}.`);
    put('month', `before-${MONTHS_EN[i]}`, `Avant ${MONTHS_FR[i]} vient ${MONTHS_FR[(i + 11) % 12]}.`);
  }
  for (let i = 0; i < 4; i++) {
    put('season', `after-${SEASONS_EN[i]}`, `Après ${SEASONS_FR[i]} vient ${SEASONS_FR[(i + 1) % 4]}.`);
    put('season', `before-${SEASONS_EN[i]}`, `Avant ${SEASONS_FR[i]} vient ${SEASONS_FR[(i + 3) % 4]}.`);
  }
  for (const [k, [des, city]] of Object.entries(CAPITALS)) put('capital', k, `La capitale ${des} est ${city}.`);
  for (const [k, [s, n]] of Object.entries(SIDES)) put('sides', k, n === 0 ? `${cap(s)} n'a pas de côtés.` : `${cap(s)} a ${NUM_FR[n]} côtés.`);
  for (const [k, [s, f]] of Object.entries(FOODS)) put('food', k, `${cap(s)} mange ${f}.`);
  for (const [k, [s, m]] of Object.entries(MATERIALS)) put('material', k, `${cap(s)} est en ${m}.`);
  for (let i = 0; i < SIZES.length; i++) for (let j = i + 1; j < SIZES.length; j++) {
    const [small, smallFr] = SIZES[i], [big, bigFr, fem] = SIZES[j];
    put('bigger', `${small}-${big}`, `${cap(bigFr)} est plus ${fem ? 'grande' : 'grand'} que ${smallFr}.`);
  }
  return out;
}

/** French answer by fact id (NFC text, plain sentence case). */
export const FRENCH: Readonly<Record<string, string>> = build();

/** The fact's French answer; throws if the table lacks it (a fact added to facts.ts only). */
export function frenchAnswer(fact: Fact): string {
  const a = FRENCH[fact.id];
  if (a === undefined) throw new Error(`french.ts: no French answer for fact "${fact.id}"; add it beside its category's word list`);
  return a;
}

/** Fact ids without a French answer, and French answers without a fact (both empty when in sync). */
export function frenchCoverage(facts: readonly Fact[] = FACTS): { missing: string[]; extra: string[] } {
  const ids = new Set(facts.map((f) => f.id));
  return { missing: [...ids].filter((id) => !(id in FRENCH)), extra: Object.keys(FRENCH).filter((id) => !ids.has(id)) };
}
