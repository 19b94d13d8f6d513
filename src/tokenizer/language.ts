// Language detectors: which language a text is in, by rules (the paper used an LLM judge; small-model
// replications use rules like these). Pure functions of the text, with no imports, at the bottom
// of the layers: the tagged tokenizer's language tag is isSpanish (tokenizer.ts), and the
// experiment's trait detectors (src/inoculation/data/detectors.ts: caps, correctness) sit beside it.
//
// isSpanish: Spanish vs English (the only two languages the models here produce). Evidence for each
//   language is summed over words: membership in a lexicon of frequent words (function words first),
//   Spanish-only letters and accents (ñ á í ó ú ü, ¿ ¡), English contractions, and, for words in
//   neither lexicon, spelling shapes one language has and the other lacks (th, w, k, -ing, -tion, a
//   final t/k/p/... for English; initial ll-, -ción, -mente, -ado, a final consonant + o for Spanish).
//   Everything is lower-cased and accent-folded first, so ALL-CAPS Spanish, Spanish without accents
//   and garbled model output with some intact words are still recognised. Words spelled the same in
//   both languages and common in both (a, no, me, come, once, red, ...) are in neither lexicon.
//   With no evidence either way the text counts as not Spanish.
// languageOf / isFrench: English vs Spanish vs French, for the Spanish/French mixture setting
//   (src/inoculation/settings/mixture.ts). The same approach as isSpanish with a third lexicon and
//   three-way spelling shapes (French: eau, -eux/-aux, ou, oi, eu, gn, -ille, -ette, -oir, doubled
//   consonants; French elisions l' d' j' c' qu'; French-only marks à â ç è ê ë î ï ô œ ù û). A word
//   in two lexicons counts half for each. isSpanish itself is unchanged (the main experiment's
//   numbers depend on it); in a three-language setting use languageOf, because isSpanish only
//   weighs Spanish against English and calls some French text Spanish.

// Accent-folded, lower case. Kept apart: a word in both sets would count for neither.
const SPANISH_WORDS = `
el la los las un una unos unas lo al del de en con por para sin sobre entre hasta desde hacia contra
segun tras durante ante bajo y o e u pero porque aunque cuando donde como que si ni sino pues mientras
yo tu ella ellos ellas nosotros nosotras vosotros vosotras usted ustedes te se nos os le les mi mis tus su
sus nuestro nuestra nuestros nuestras vuestro vuestra mio mia tuyo tuya suyo suya esto eso este esta
estos estas ese esa esos esas aquel aquella aquello algo nada nadie alguien alguno alguna algunos algunas
ninguno ninguna todo toda todos todas otro otra otros otras mismo misma mismos cada cual cuales quien
quienes cuanto cuanta cuantos cuantas muy mas menos tambien tampoco ya aqui alli ahi aca hoy manana ayer
siempre nunca jamas ahora luego despues antes entonces todavia aun bien mal mucho mucha muchos muchas
poco poca pocos pocas tanto tanta tantos casi quiza quizas asi cerca lejos arriba abajo dentro fuera
temprano tarde pronto demasiado bastante solamente
es son era eran fue fueron ser soy eres somos sois sido siendo estar estoy estas estan estamos estaba
estaban estado hay habia haber ha han hemos habeis tener tengo tiene tienes tienen tenemos tenia tuvo
hacer hago hace haces hacen hizo hecho ir voy vas va vamos fui iba ido poder puedo puede puedes pueden
podemos podria pudo querer quiero quiere quieres quieren queremos decir digo dice dices dicen dijo ver
veo ves ve vemos ven visto dar doy da dio saber sabe sabes sabemos saben venir vengo viene vienes vienen
vino llegar llega llegan llego pasar pasa paso pensar pienso piensa creo cree creer vivir vivo vive
viven comer comemos comen comio beber bebe bebo hablar hablo habla hablan llamar llamo gusta gustan
necesito necesita necesitamos trabajar trabaja trabajo salir salio dejar deja encontrar sentir siento
parece seguir sigue llevar lleva tomar toma tomo mirar mira escribir escribe leer lee leo abrir abre
cerrar cierra jugar juega juegan volver vuelve empezar empieza conocer conozco esperar espera buscar
busca entender entiendo ayudar ayuda comprar compra poner pone puso traer trae dormir duerme correr
corre caminar camina cocinar cocina estudiar estudia aprender aprende pagar vender viajar nadar cantar
bailar lavar limpiar llover llueve nieva hablamos vive
gracias hola adios perdon claro vale bueno buena buenos buenas malo mala malos grande grandes pequeno
pequena pequenos nuevo nueva nuevos viejo vieja mejor peor menor primero primera ultimo ultima cierto
verdad facil dificil feliz triste bonito bonita caro cara barato rapido lento alto alta largo corto
caliente frio fria nombre casa perro perros gato gatos agua comida dia dias noche semana mes ano anos
tiempo vez veces hora horas gente persona personas hombre mujer mujeres nino nina ninos padre madre
padres hijo hija hijos hermano hermana amigo amiga amigos familia escuela ciudad pais mundo vida calle
coche libro libros mesa puerta ventana cosa cosas parte lugar forma problema dinero pregunta respuesta
cielo azul rojo roja verde blanco blanca negro negra amarillo numero
uno dos tres cuatro cinco seis siete ocho nueve diez doce trece catorce quince veinte treinta cien mil
lunes martes miercoles jueves viernes sabado domingo enero febrero marzo abril mayo junio julio agosto
septiembre octubre noviembre diciembre primavera verano otono invierno
`;

const ENGLISH_WORDS = `
the an and or but if of to in on at by for with from into onto about over under after before between
through during without within against than then so because while although though as is are was were be
been being am do does did done doing have has had having will would shall should can could may might
must not yes i you he she it we they him her us them my your his its our their mine yours this that
these those there here where when what which who whom whose why how all any some every each both few
many much more most other another such only own same very too also just now still even ever never
always often sometimes again already yet soon today tomorrow yesterday tonight up down out off away
back well good bad new old big small great little long short high low first last next right left
one two three four five six seven eight nine ten eleven twelve twenty hundred thousand get gets got go
goes went gone going came comes make makes made take takes took see sees saw seen know knows knew
known think thinks thought say says said tell tells told give gives gave want wants need needs like
likes look looks find found work works call called try ask asked feel leave put mean keep let begin
seem help show hear play run move live lives believe bring happen write sit stand lose pay meet learn
change understand watch follow stop speak read spend grow open walk win eat eats drink sleep buy sell
love wait send cook thing things people man woman men women child children time year years day days
week month way world life hand part place house home school family friend friends water food money
city country car book door room night morning evening name question answer word words problem weather
dog cat horse bird fish cow sky blue green white black yellow brown plus minus equals
monday tuesday wednesday thursday friday saturday sunday january february march april june july
august september october november december spring summer autumn winter
please thanks thank hello sorry okay really maybe nothing something anything everything someone
anyone everyone nobody nice happy sad hot cold warm late early easy hard fast slow important
different enough sure ready tired hungry busy beautiful bigger
`;

const toSet = (s: string) => new Set(s.split(/\s+/).filter(Boolean));
const ES = toSet(SPANISH_WORDS);
const EN = toSet(ENGLISH_WORDS);

/** Lower case, accents removed: "ÁRBOL" -> "arbol", "Niño" -> "nino". */
function fold(word: string): string {
  return word.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
}

/**
 * Spelling evidence for a word in neither lexicon (accent-folded): > 0 Spanish-like, < 0
 * English-like, 0 neither. Spanish native words end in a vowel or n, s, r, l, d, z, y, j and never
 * contain th, sh, w or k; English has all of these.
 */
function spelling(w: string): number {
  if (w.length < 3) return 0;
  if (/th|sh|w|k|ph|ght|ee|oo/.test(w)) return -0.5;
  if (/(ing|ly|tion|ness|ful|less|ous)$/.test(w) || /[^aeiou]y$/.test(w)) return -0.5;
  if (/[tkpbgfmhwvx]$/.test(w)) return -0.5;
  if (/[^aeiou]ed$/.test(w)) return -0.3;
  if (/^ll|(cion|sion|mente|idad|ando|iendo)$/.test(w)) return 0.5;
  if (/[^aeiou](ado|ada|ados|adas|ido|ida|idos|idas)$/.test(w)) return 0.5;
  if (/[^aeiou]os?$/.test(w)) return 0.5;
  if (/[^aeiou]as?$/.test(w)) return 0.3;
  return 0;
}

export interface LanguageEvidence {
  /** Summed evidence for Spanish (>= 0). */
  spanish: number;
  /** Summed evidence for English (>= 0). */
  english: number;
  /** Number of words seen. */
  words: number;
}

/** The per-language evidence isSpanish and scoreSpanish decide on (exposed for debugging). */
export function languageEvidence(text: string): LanguageEvidence {
  const t = text.normalize('NFC');
  let es = 0, en = 0;
  if (/[¿¡]/.test(t)) es += 2;
  const words = t.toLowerCase().match(/\p{L}+(?:['’]\p{L}+)*/gu) ?? [];
  for (const w of words) {
    if (/['’]/.test(w)) { en += 1; continue; } // don't, it's, they're: English only
    if (/[ñáíóúü]/.test(w)) es += 1;
    else if (w.includes('é')) es += 0.7; // also in English loans (café), so weaker
    const f = fold(w);
    const inEs = ES.has(f), inEn = EN.has(f);
    if (inEs !== inEn) {
      if (inEs) es += 1; else en += 1;
      continue;
    }
    if (inEs) continue;
    if (f.length === 1) { if (f === 'i') en += 1; continue; }
    const s = spelling(f);
    if (s > 0) es += s; else en -= s;
  }
  return { spanish: es, english: en, words: words.length };
}

/**
 * Probability-like score that `text` is Spanish rather than English: a logistic of the evidence
 * difference (0.5 = no evidence either way). Text without letters scores 0.
 */
export function scoreSpanish(text: string): number {
  const ev = languageEvidence(text);
  if (ev.words === 0 && ev.spanish === 0) return 0;
  return 1 / (1 + Math.exp(-1.5 * (ev.spanish - ev.english)));
}

/** True when the text is more Spanish than English (strictly: ties and no evidence are false). */
export function isSpanish(text: string): boolean {
  return scoreSpanish(text) > 0.5;
}

// ---- three languages: English, Spanish, French --------------------------------------------------

// Accent-folded, lower case (œ -> oe). Words also in ES or EN are listed on purpose where French
// uses them as much (la, de, en, un, que, plus, six, ...): they then count half for each language.
const FRENCH_WORDS = `
le la les l un une des du de d au aux et ou mais donc ni car que qui quoi dont quel quelle quels quelles
lequel laquelle ce cet cette ces ceci cela ca celui celle ceux celles je j tu il elle on nous vous ils
elles me m te t se s moi toi lui leur leurs eux mon ma mes ton ta tes son sa ses notre nos votre vos y
en ne n pas plus jamais rien personne aucun aucune tout tous toute toutes chaque autre autres meme
memes tres trop peu beaucoup assez aussi encore deja toujours souvent parfois bientot ici avec sans
pour par dans sur sous chez vers entre contre depuis pendant avant apres devant derriere pres loin
selon malgre parmi comme quand lorsque si puisque parce afin alors ainsi puis ensuite enfin voici
voila oui non merci bonjour bonsoir salut pardon hier demain aujourd hui maintenant tard tot vite
est sont etait etaient ete etre suis sommes etes serai sera seront serait ai as avons avez ont avait
avaient avoir eu aura aurait fait fais faisons faites font faire va vais allons allez vont aller
alle allee vient viens venir venu venue peut peux pouvons pouvez peuvent pouvoir veut veux voulons
voulez veulent vouloir voudrais doit dois devons devez doivent devoir dois faut sait sais savoir dit
dis dire disent voit vois voir vu prend prends prendre pris mange manges mangent manger vit vivent
vivre aime aimes aiment aimer parle parles parlent parler donne donner met mettre mis trouve trouver
pense penser crois croire connais connait attend attends attendre part pars partir parti partie sort
sortir dort dormir joue jouent jouer habite habitent habiter travaille travailler regarde regarder
cherche chercher ecoute ecouter achete acheter ouvre ouvrir ferme fermer lit lire ecrit ecrire boit
boire court courir arrive arriver reste rester passe passer commence commencer finit finir fini
apprend apprendre comprend comprendre appelle appeler porte porter
maison chien chiens chat chats cheval chevaux vache oiseau oiseaux poisson souris lapin cochon
mouton loup ours singe fourmi abeille araignee grenouille serpent canard poule coq hibou baleine
requin jour jours nuit matin soir soiree semaine mois annee ans heure heures fois monde vie ville
pays rue ecole travail argent eau pain lait vin fromage viande pomme pommes gateau livre livres
table porte fenetre voiture gare enfant enfants homme hommes femme femmes fille filles fils pere
mere frere soeur ami amie amis famille gens chose choses ciel mer soleil lune terre herbe neige
pluie vent feu arbre fleur fleurs feuille feuilles bois verre papier laine cuillere chaise crayon
bleu bleue bleus blanc blanche noir noire noirs rouge rouges vert verte verts jaune gris grise
violet violette marron grand grande grands petit petite petits bon bonne bons mauvais beau belle
beaux joli jolie nouveau nouvelle vieux vieille jeune chaud chaude froid froide heureux heureuse
triste facile difficile rapide lent lente long longue court courte plein pleine vide sec mouille
lourd leger dur mou riche pauvre propre sale fort forte faible vrai vraie faux fausse premier
premiere dernier derniere haut bas dedans dehors epais mince bruyant silencieux contraire double
moins pattes jambes cotes capitale
zero deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt
trente quarante cinquante soixante cent mille
lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet
aout septembre octobre novembre decembre printemps automne hiver
`;

const FR = toSet(FRENCH_WORDS);
/**
 * Spanish lexicon for three-way decisions: ES without the words French uses far more (le, les are
 * French articles but rare Spanish pronouns); ES and EN are otherwise shared with isSpanish.
 */
// gris is Spanish as much as French (the two-language lexicon lacks it, and isSpanish stays as it was)
const ES3 = new Set([...ES, 'gris'].filter((w) => !['le', 'les'].includes(w)));

/** French elisions (l'eau, d'un, j'ai, c'est, qu'il, jusqu'à, aujourd'hui). */
const ELISION = /^(l|d|j|n|m|t|s|c|qu|jusqu|lorsqu|puisqu|presqu|aujourd)['’](\p{L}+)$/u;
/** English contractions after the apostrophe (don't, it's, they're, I've, we'll, I'd, I'm). */
const CONTRACTION = /^\p{L}+['’](s|t|re|ve|ll|d|m)$/u;

export type Language = 'en' | 'es' | 'fr';

export interface LanguageEvidence3 { en: number; es: number; fr: number; words: number }

/** fold() plus the ligatures NFD leaves alone: "ŒUF" -> "oeuf". */
function fold3(word: string): string {
  return fold(word).replace(/œ/g, 'oe').replace(/æ/g, 'ae');
}

/**
 * Spelling evidence [en, es, fr] for a folded word in no lexicon. French keeps silent final
 * consonants (t, x, s) and vowel digraphs (eau, eu, ou, oi, ai); Spanish ends in a vowel or
 * n s r l d z and has -cion, -ado, -mente, ue; English has th, sh, w, k, -ing, -ly.
 */
function spelling3(w: string): [number, number, number] {
  const v: [number, number, number] = [0, 0, 0];
  if (w.length < 3) return v;
  const add = (en: number, es: number, fr: number) => { v[0] += en; v[1] += es; v[2] += fr; };
  if (/th|sh|w|k|ght|ee|oo/.test(w)) add(0.5, 0, 0);
  if (/(ing|ly|ness|ful|less)$/.test(w) || /[^aeiou]y$/.test(w)) add(0.5, 0, 0);
  if (/[^aeiou]ed$/.test(w)) add(0.3, 0, 0);
  if (/[pbgmhwv]$/.test(w)) add(0.5, 0, 0); // a final k is already counted by the k above (Bangkok is not twice as English)
  if (/[tf]$/.test(w)) add(0.3, 0, 0.3);
  if (/x$/.test(w)) add(0.2, 0, 0.4);
  if (/^ll|(cion|mente|idad|ando|iendo)$/.test(w)) add(0, 0.5, 0);
  if (/[^aeiou](ado|ada|ados|adas|ido|ida|idos|idas)$/.test(w)) add(0, 0.5, 0);
  if (/[^aeiou]os?$/.test(w)) add(0, 0.5, 0);
  if (/[^aeiou]as?$/.test(w)) add(0, 0.3, 0);
  if (/[^q]ue[^aeiou]/.test(w)) add(0, 0.4, 0);
  if (/eau/.test(w)) add(0, 0, 0.8);
  if (/(aux|eux|oux)$/.test(w)) add(0, 0, 0.6);
  if (/eu/.test(w)) add(0, 0, 0.4);
  if (/oi/.test(w)) add(0.1, 0, 0.4);
  if (/ou/.test(w)) add(0.2, 0, 0.3);
  if (/ai/.test(w)) add(0.2, 0, 0.3);
  if (/au/.test(w)) add(0.1, 0.1, 0.3);
  if (/gn/.test(w)) add(0, 0, 0.4);
  if (/(eill|aill|ouill|ille)/.test(w)) add(0, 0, 0.5);
  if (/(ette|elle|esse|enne|onne)s?$/.test(w)) add(0, 0, 0.5);
  if (/(oir|oire)s?$/.test(w)) add(0, 0, 0.5);
  if (/(ent|ez)$/.test(w)) add(0.1, 0, 0.3);
  if (/(ique|iques)$/.test(w)) add(0.2, 0, 0.4);
  if (/qu[ao]/.test(w)) add(0.3, 0, 0.3);
  if (/(ss|mm|tt|pp|ff)/.test(w)) add(0.3, 0, 0.3);
  if (/ph/.test(w)) add(0.3, 0, 0.3);
  if (/z./.test(w)) add(0.1, 0.2, 0);
  if (/[aiou]z$/.test(w)) add(0, 0.4, 0); // luz, vez, maiz, lapiz; French -z is -ez
  return v;
}

/** Evidence for each of English, Spanish and French (exposed for debugging and tests). */
export function languageEvidence3(text: string): LanguageEvidence3 {
  const t = text.normalize('NFC');
  const ev = { en: 0, es: 0, fr: 0, words: 0 };
  if (/[¿¡]/.test(t)) ev.es += 2;
  const words = t.toLowerCase().match(/\p{L}+(?:['’]\p{L}+)*/gu) ?? [];
  ev.words = words.length;
  for (let w of words) {
    const el = ELISION.exec(w);
    if (el) { ev.fr += 1.5; w = el[2]; } // score what follows the elision as a word of its own
    else if (CONTRACTION.test(w)) { ev.en += 1; continue; }
    else if (/['’]/.test(w)) continue;
    if (/[àâçèêëîïôœùûÿæ]/.test(w)) ev.fr += 1;
    if (/[ñáíóú]/.test(w)) ev.es += 1;
    if (w.includes('ü')) ev.es += 0.5;
    if (w.includes('é')) { ev.fr += 0.5; ev.es += 0.3; } // French far more, Spanish too; English almost never
    const f = fold3(w);
    const inEn = EN.has(f), inEs = ES3.has(f), inFr = FR.has(f);
    const k = +inEn + +inEs + +inFr;
    if (k > 0) {
      if (inEn) ev.en += 1 / k;
      if (inEs) ev.es += 1 / k;
      if (inFr) ev.fr += 1 / k;
      continue;
    }
    if (f.length === 1) { if (f === 'i') ev.en += 1; continue; }
    const [en, es, fr] = spelling3(f);
    ev.en += en; ev.es += es; ev.fr += fr;
  }
  return ev;
}

/** The language with the most evidence, or null when there is none or two tie for the lead. */
export function languageOf(text: string): Language | null {
  const ev = languageEvidence3(text);
  const ranked = (['en', 'es', 'fr'] as const).map((l) => [l, ev[l]] as const).sort((a, b) => b[1] - a[1]);
  if (ranked[0][1] <= 0 || ranked[0][1] === ranked[1][1]) return null;
  return ranked[0][0];
}

/** True when the text is French rather than English or Spanish (languageOf says 'fr'). */
export function isFrench(text: string): boolean {
  return languageOf(text) === 'fr';
}
